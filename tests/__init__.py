"""shapecalc's test suite, a package so that a test imports its shared helpers by name
(``from tests import strategies``, ``from tests.oracles import ...``) without touching ``sys.path``."""
