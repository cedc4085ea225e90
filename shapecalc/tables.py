"""Tables in any of tabulate's formats (tabulate is imported only here, only when asked for)."""

__all__ = ["tabulate_table", "table_formats"]


def table_formats():
    """tabulate's format names, plus shapecalc's own "text", "json" and "csv"."""
    from tabulate import tabulate_formats

    return ["text", "json", "csv"] + list(tabulate_formats)


def tabulate_table(header, body, fmt, align=None):
    from tabulate import tabulate, tabulate_formats

    from .errors import ConfigError

    if fmt not in tabulate_formats:
        from .suggest import closest

        raise ConfigError(
            f"unknown table format {fmt!r}{closest(fmt, ['text', 'json', 'csv'] + list(tabulate_formats))}",
            "--format",
        )
    return tabulate(body, headers=header, tablefmt=fmt, colalign=align, disable_numparse=True)
