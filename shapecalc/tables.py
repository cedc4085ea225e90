"""Tables in any of tabulate's formats (tabulate is imported only here, only when asked for)."""

__all__ = ["tabulate_table", "table_formats"]


def table_formats():
    """tabulate's format names, plus shapecalc's own "text", "json" and "csv"."""
    from tabulate import tabulate_formats

    return ["text", "json", "csv"] + list(tabulate_formats)


#: other names of tabulate formats
FORMAT_ALIASES = {"markdown": "github", "md": "github"}


def tabulate_table(header, body, fmt, align=None):
    from tabulate import tabulate, tabulate_formats

    from .errors import ConfigError

    if not isinstance(fmt, str):
        raise ConfigError(f"format must be a name such as 'github', received {fmt!r}", "--format")
    # the names a user types for Markdown: GitHub's pipe tables
    fmt = FORMAT_ALIASES.get(fmt, fmt)
    if fmt not in tabulate_formats:
        from .suggest import closest

        names = ["text", "json", "csv", *FORMAT_ALIASES, *tabulate_formats]
        raise ConfigError(f"unknown table format {fmt!r}{closest(fmt, names)} (formats: {', '.join(names)})",
                          "--format")
    if fmt == "tsv":
        # (a TSV opens in a spreadsheet as a CSV does)
        from .report import spreadsheet_safe

        header = [spreadsheet_safe(c) for c in header]
        body = [[spreadsheet_safe(c) for c in row] for row in body]
    return tabulate(body, headers=header, tablefmt=fmt, colalign=align, disable_numparse=True)
