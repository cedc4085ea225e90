"""Grading: the ``shapecalc check`` command, and a folder of submissions graded alike.

Every table of a folder is graded on the same columns (``--columns``, else those that at least half of the
tables have), so that every score has the same denominator: the expected cells of the network on those
columns. The result is a summary CSV (one row per file, with a numeric percent to sort by), and a class
view: for each mistake, how many tables make it, and where.
"""

import os
from collections import Counter
from dataclasses import dataclass, field

from .cells import TITLES
from .checkreport import percent_text
from .errors import ConfigError, SubmissionError

__all__ = ["check_command", "grade_folder", "Grading", "SUMMARY_FIELDS"]

#: the files of a folder that are read as submissions
EXTENSIONS = (".csv", ".tsv", ".md", ".markdown", ".txt", ".tab")

#: the summary CSV's columns
SUMMARY_FIELDS = ["file", "points", "out_of", "percent", "right", "carried", "wrong", "blank", "not_listed",
                  "extra_rows", "duplicate_rows", "wrong_cells", "missing_layers", "error"]

#: the header lines of the summary CSVs this command writes (and wrote before): such a file in the folder is
#: never graded
_OUR_HEADERS = (",".join(SUMMARY_FIELDS), "file,right,checked,score,wrong_cells,extra_rows,missing_layers,error")


@dataclass
class Grading:
    """A folder graded: ``columns`` (graded), ``out_of`` (every table's denominator), ``results`` (one per
    file: ``(name, Report or None, error or None)``), ``chosen_by`` (how the columns were chosen)."""

    folder: str
    columns: list
    out_of: int
    results: list = field(default_factory=list)
    chosen_by: str = "--columns"

    @property
    def reports(self):
        return [(name, report) for name, report, _ in self.results if report is not None]

    @property
    def ok(self):
        return all(report is not None and report.ok for _, report, _ in self.results)

    def class_view(self):
        """``[(mistake, [files], Counter of where)]``: each mistake, the tables that make it, and where (a layer
        and column, a row, a layer), counted once per table; most frequent first."""
        files, where = {}, {}
        for name, report in self.reports:
            seen = set()
            for mistake, place in report.mistakes():
                if (mistake, place) in seen:
                    continue
                seen.add((mistake, place))
                files.setdefault(mistake, [])
                if name not in files[mistake]:
                    files[mistake].append(name)
                where.setdefault(mistake, Counter())[place] += 1
        unreadable = [name for name, report, _ in self.results if report is None]
        if unreadable:
            files["unreadable"] = unreadable
            where["unreadable"] = Counter()
        return sorted(((m, files[m], where[m]) for m in files), key=lambda t: (-len(t[1]), t[0]))

    def summary_rows(self):
        rows = []
        for name, report, error in self.results:
            if report is None:
                # an unreadable table scores 0 of the same total, so that the column sorts
                rows.append({"file": name, "points": 0, "out_of": self.out_of, "percent": 0.0, "right": 0,
                             "carried": 0, "wrong": 0, "blank": 0, "not_listed": 0, "extra_rows": "",
                             "duplicate_rows": "", "wrong_cells": "", "missing_layers": "", "error": error})
                continue
            rows.append({
                "file": name, "points": _number(report.points), "out_of": report.out_of,
                "percent": round(report.percent, 1), "right": report.count("right"),
                "carried": report.count("carried"), "wrong": report.count("wrong"), "blank": report.count("blank"),
                "not_listed": report.count("not listed") + report.count("no column"),
                "extra_rows": "; ".join(f"row {r.number} {r.label}" for r in report.extra),
                "duplicate_rows": "; ".join(f"row {r.number} (of row {r.duplicate_of})" for r in report.duplicates),
                "wrong_cells": report.wrong_summary(),
                "missing_layers": "; ".join(r.path for r in report.missing_layers), "error": "",
            })
        return rows


def _number(value):
    return int(value) if value == int(value) else round(value, 3)


def _is_our_summary(path):
    """A CSV this command wrote (a previous run's summary): recognised by its header line."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            first = f.readline().strip().lstrip("\ufeff")
    except OSError:
        return False
    return first in _OUR_HEADERS


def submission_files(folder, skip=()):
    """The submissions of ``folder``, sorted: files with a table's extension, without the summaries this
    command writes (``skip``, and any file with a summary's header)."""
    skip = {os.path.abspath(p) for p in skip if p}
    names = []
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if not name.lower().endswith(EXTENSIONS) or not os.path.isfile(path) or os.path.abspath(path) in skip:
            continue
        if name.lower().endswith(".csv") and _is_our_summary(path):
            continue
        names.append(name)
    return names


def grade_folder(model, folder, columns=None, skip=(), **options):
    """Check every submission in ``folder`` against ``model`` on the same columns (``columns``, else those
    that at least half of the readable tables have); ``options`` go to :func:`shapecalc.check.check`."""
    from .check import check, parse_columns
    from .submission import read_submission

    names = submission_files(folder, skip)
    if not names:
        raise SubmissionError(f"no submissions (files ending {', '.join(EXTENSIONS)}) in the folder", folder)
    tables = {}
    errors = {}
    for name in names:
        try:
            tables[name] = read_submission(os.path.join(folder, name))
        except SubmissionError as exc:
            errors[name] = exc.detail
    chosen_by = "--columns"
    if columns is not None:
        columns = parse_columns(columns)
    else:
        chosen_by = "the columns at least half of the tables have"
        have = Counter(c for t in tables.values() for c in TITLES if c in t.columns)
        columns = [c for c in TITLES if 2 * have[c] >= len(tables) and have[c]] or ["output"]
    grading = Grading(folder, columns, 0, chosen_by=chosen_by)
    for name in names:
        if name in errors:
            grading.results.append((name, None, errors[name]))
            continue
        try:
            report = check(model, tables[name], columns=columns, **options)
        except SubmissionError as exc:
            grading.results.append((name, None, exc.detail))
            continue
        report.columns_given = True
        grading.out_of = report.out_of
        grading.results.append((name, report, None))
    if not grading.reports:
        # no table readable: the denominator is still the network's
        from .report import summary

        probe = summary(model, options.get("input"), no_bias=options.get("no_bias", False))
        from .matching import optional
        from .cells import expected_value

        grading.out_of = sum(1 for r in probe.rows if not optional(r) for c in columns
                             if expected_value(r, c) is not None)
    return grading


# ---------------------------------------------------------------------------------------------------------
# the command


def _tolerance(text):
    try:
        value = float(str(text).rstrip("%")) / (100 if str(text).endswith("%") else 1)
    except ValueError:
        raise ConfigError(f"expected a relative tolerance such as 0.01 or 1%, received {text!r}",
                          "--tolerance") from None
    if not 0 <= value < 1:
        raise ConfigError(f"the tolerance must be between 0 and 1, received {text!r}", "--tolerance")
    return value


def _partial_credit(text):
    """``--partial-credit`` alone: half credit (its const, "0.5"); ``--partial-credit 0.25`` or ``25%``: that
    fraction; absent: none."""
    if text is None:
        return 0
    try:
        value = float(str(text).rstrip("%")) / (100 if str(text).endswith("%") else 1)
    except ValueError:
        hint = " (a file: put --partial-credit after the submission, or give its fraction)" if os.path.exists(text) else ""
        raise ConfigError(f"expected a fraction of a point such as 0.5 or 50%, received {text!r}{hint}",
                          "--partial-credit") from None
    if not 0 <= value <= 1:
        raise ConfigError(f"the partial credit must be from 0 to 1, received {text!r}", "--partial-credit")
    return value


def _load(args):
    from .sources import network, parse_input

    if not (args.model or args.spec or args.spec_file):
        raise ConfigError("name the network the table describes: --model NAME, --spec TEXT or --spec-file FILE",
                          "shapecalc check")
    return network(args.model, spec=args.spec, spec_file=args.spec_file), parse_input(args.input)


def _render(report, fmt):
    if fmt == "json":
        import json

        return json.dumps(report.to_dict(), indent=2, ensure_ascii=False)
    if fmt == "csv":
        from .report import to_csv

        return to_csv(*report.csv_rows()).rstrip("\n")
    return report.text(fmt)


def check_command(args, out):
    """``shapecalc check SUBMISSION --model NAME``: 0 when every cell is right, 1 otherwise."""
    network, input_shape = _load(args)
    if input_shape is not None and any(isinstance(d, str) for d in input_shape):
        raise ConfigError("checking needs a numeric input shape", "--input")
    options = dict(no_bias=args.no_bias, tolerance=_tolerance(args.tolerance), input=input_shape,
                   partial_credit=_partial_credit(getattr(args, "partial_credit", None)),
                   batch=getattr(args, "batch", 1) or 1)
    columns = getattr(args, "columns", None)
    if columns is not None:
        from .check import parse_columns

        columns = parse_columns(columns)  # (refused before anything is read)
    path = args.submission
    if os.path.isdir(path):
        return _folder_command(network, path, args, columns, options, out)
    if args.summary:
        raise ConfigError("--summary applies to a folder of submissions", "--summary")
    from .check import check

    report = check(network, path, columns=columns, **options)
    out.write(_render(report, args.format) + "\n")
    return 0 if report.ok else 1


def _folder_command(network, folder, args, columns, options, out):
    import csv

    summary_path = args.summary or os.path.join(folder, "summary.csv")
    grading = grade_folder(network, folder, columns, skip=(summary_path,), **options)
    rows = grading.summary_rows()
    try:
        with open(summary_path, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=SUMMARY_FIELDS, lineterminator="\n")
            writer.writeheader()
            from .report import spreadsheet_safe

            # (file names and error texts are the students' text)
            writer.writerows({k: spreadsheet_safe(v) for k, v in r.items()} for r in rows)
    except OSError as exc:
        raise ConfigError(f"cannot write the summary: {exc.strerror}", summary_path) from None
    fmt = args.format
    if fmt == "json":
        import json

        out.write(json.dumps({
            "summary": summary_path, "columns": grading.columns, "out_of": grading.out_of,
            "files": [report.to_dict() if report is not None else {"file": name, "error": error}
                      for name, report, error in grading.results],
            "class": [{"mistake": m, "tables": len(files), "files": files, "where": dict(where)}
                      for m, files, where in grading.class_view()],
        }, indent=2, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        from .report import to_csv

        out.write(to_csv(SUMMARY_FIELDS, [[r[k] for k in SUMMARY_FIELDS] for r in rows]))
    else:
        out.write(folder_text(grading, rows, fmt) + f"\n\nsummary: {summary_path} ({len(rows)} files)\n")
    return 0 if grading.ok else 1


def folder_text(grading, rows, fmt="text"):
    """The folder's result as text: the columns graded, a line per file, and the class view."""
    n = len(grading.results)
    names = ", ".join(TITLES[c] for c in grading.columns)
    how = "" if grading.chosen_by == "--columns" else f" ({grading.chosen_by}; choose with --columns)"
    lines = [f"graded: {names}{how}: {grading.out_of} cells per table"]
    body = []
    for r, (_, report, error) in zip(rows, grading.results):
        if report is None:
            body.append([r["file"], f"0/{grading.out_of}", "0", f"unreadable: {error}"])
            continue
        notes = []
        for key, text in (("wrong", "wrong"), ("carried", "carried over"), ("blank", "left blank"),
                          ("not_listed", "not listed")):
            if r[key]:
                notes.append(f"{r[key]} {text}")
        if report.duplicates:
            notes.append(f"{len(report.duplicates)} duplicate row" + ("s" if len(report.duplicates) > 1 else ""))
        if report.extra:
            notes.append(f"{len(report.extra)} extra row" + ("s" if len(report.extra) > 1 else ""))
        body.append([r["file"], f"{_number(report.points)}/{report.out_of}", percent_text(report.percent),
                     ", ".join(notes)])
    lines.append(_table(["file", "score", "%", "cells not right"], body, fmt))
    view = grading.class_view()
    if view:
        lines.append("")
        lines.append(f"class view ({n} tables):")
        lines.append(_table(["mistake", "tables", "where"], [
            [m, str(len(files)), _where(where, len(files) > 1) or ", ".join(files)] for m, files, where in view], fmt))
    return "\n".join(lines)


def _where(where, counted):
    """``conv3 (2), fc (1)``: the places, most frequent first, with the number of tables where several make
    the mistake."""
    places = sorted(where.items(), key=lambda t: (-t[1], t[0]))
    return ", ".join(f"{w} ({k})" if counted else w for w, k in places)


def _table(header, body, fmt):
    if fmt == "text":
        from .report import plain_table

        return plain_table(header, body)
    from .tables import tabulate_table

    return tabulate_table(header, body, fmt)
