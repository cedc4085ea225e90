"""A fuzz run in CI: random command lines (argument combinations, specs, files, submissions) through
tests/fuzz.py, a fixed seed each run of the suite and a new one each day, none outside the ShapecalcError
family, none exiting 3 or printing more than one line of error. The standalone script runs far more by hand
(``python tests/fuzz.py --count 100000``)."""

import datetime

import pytest

from tests import fuzz


@pytest.mark.parametrize("seed", [0, int(datetime.date.today().strftime("%Y%m%d"))])
def test_random_command_lines_are_answered_or_refused_in_one_line(seed):
    text, findings = fuzz.run(count=400, seed=seed, only=["cli", "spec", "file", "structured", "submission"],
                              hang=60.0, report=False)
    assert findings == 0, text
