"""Tables in any of tabulate's formats (tabulate is imported only here, only when asked for), and the LaTeX
ones written here: cells escaped for pdflatex (ASCII only), the title a caption, the totals paragraphs."""

__all__ = ["tabulate_table", "table_formats", "framed", "latex_text", "LATEX_FORMATS"]


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
    if fmt in LATEX_FORMATS:
        return _latex_tabular(header, body, fmt, align)
    if fmt == "tsv":
        # (a TSV opens in a spreadsheet as a CSV does)
        from .report import spreadsheet_safe

        header = [spreadsheet_safe(c) for c in header]
        body = [[spreadsheet_safe(c) for c in row] for row in body]
    return tabulate(body, headers=header, tablefmt=fmt, colalign=align, disable_numparse=True)


# ---------------------------------------------------------------------------------------------------------
# LaTeX: tabulate's "latex" formats put the cells in as they are (× and — then stop pdflatex) or escape only
# ASCII; these write a fragment that pdflatex compiles with no package beyond what the format names

#: tabulate's LaTeX format names; each gives the same fragment, in its own rules (booktabs, longtable)
LATEX_FORMATS = ("latex", "latex_raw", "latex_booktabs", "latex_longtable")

#: the characters LaTeX's text mode reads as commands, and the ones shapecalc prints beyond ASCII
_LATEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
          "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "<": r"\textless{}",
          ">": r"\textgreater{}", "|": r"\textbar{}", "×": r"$\times$", "−": "-", "—": "---", "–": "--",
          "→": r"$\to$", "←": r"$\leftarrow$", "⇔": r"$\Leftrightarrow$", "…": r"\ldots{}", "⚠": r"\textbf{!}",
          "·": r"$\cdot$", "⌊": r"$\lfloor$", "⌋": r"$\rfloor$", "⌈": r"$\lceil$", "⌉": r"$\rceil$",
          "≥": r"$\geq$", "≤": r"$\leq$", "≠": r"$\neq$", "≡": r"$\equiv$", "∈": r"$\in$", "≈": r"$\approx$",
          "±": r"$\pm$", "²": r"$^2$", "³": r"$^3$", "√": r"$\surd$", "∞": r"$\infty$", "✓": r"$\surd$",
          "✗": "x", "Σ": r"$\Sigma$", "α": r"$\alpha$", "β": r"$\beta$", "µ": r"$\mu$", "μ": r"$\mu$",
          "“": "``", "”": "''", "‘": "`", "’": "'", "\u00a0": "~"}


def latex_text(text):
    """``text`` escaped for LaTeX's text mode, in ASCII (pdflatex's input): ``conv 3×3, 64`` →
    ``conv 3$\\times$3, 64``; ``--strict`` keeps its two hyphens (``-{}-``, not an en dash); an accented
    letter loses its accent, and a character with no ASCII form becomes ``?``.

    >>> latex_text("vgg16 — 25% of 3×3 (--strict, a_b & #1)")
    'vgg16 --- 25\\\\% of 3$\\\\times$3 (-{}-strict, a\\\\_b \\\\& \\\\#1)'
    """
    out = []
    for i, c in enumerate(text):
        if c == "-" and text[i + 1: i + 2] == "-":
            out.append("-{}")  # (TeX joins -- into an en dash)
        elif c in _LATEX:
            out.append(_LATEX[c])
        elif c.isascii():
            out.append(c)
        else:
            import unicodedata

            plain = unicodedata.normalize("NFKD", c).encode("ascii", "ignore").decode()
            out.append(latex_text(plain) if plain else "?")
    return "".join(out)


def _latex_tabular(header, body, fmt, align=None):
    """A ``tabular`` (``longtable`` for latex_longtable) of escaped cells, its columns padded to line up."""
    columns = len(header)
    align = align or ("left",) * columns
    spec = "".join({"right": "r", "center": "c", "decimal": "r"}.get(a, "l") for a in align)
    rows = [[latex_text(str(c)) for c in header]] + [[latex_text(str(c)) for c in r] for r in body]
    widths = [max(len(r[k]) for r in rows) for k in range(columns)]
    lines = [" & ".join(c.rjust(w) if a == "right" else c.ljust(w) for c, w, a in zip(r, widths, align)).rstrip()
             + r" \\" for r in rows]
    top, middle, bottom = ((r"\toprule", r"\midrule", r"\bottomrule") if fmt == "latex_booktabs" else
                           (r"\hline", r"\hline", r"\hline"))
    if fmt == "latex_longtable":
        # the header repeated at the top of every page
        return "\n".join([rf"\begin{{longtable}}{{{spec}}}", top, lines[0], middle, r"\endhead", *lines[1:],
                          bottom, r"\end{longtable}"])
    return "\n".join([rf"\begin{{tabular}}{{{spec}}}", top, lines[0], middle, *lines[1:], bottom,
                      r"\end{tabular}"])


def framed(title, grid, lines, fmt):
    r"""A table with its title above and its text ``lines`` (totals, notes) below, in ``fmt``: for the LaTeX
    formats, ``grid`` (from :func:`tabulate_table`) in a ``table`` float with the title as its caption (a
    longtable takes the caption itself), and the lines as paragraphs after it, an indented line an item of
    a list (``  ⚠ conv1: …`` → ``\item[\textbf{!}] conv1: …``); otherwise title, grid, a blank line and the
    lines, as text."""
    if fmt not in LATEX_FORMATS:
        return "\n".join([title, grid, "", *lines])
    needs = {"latex_booktabs": "booktabs", "latex_longtable": "longtable"}.get(fmt)
    out = [f"% shapecalc: {latex_text(title)}"
           + (rf" (needs \usepackage{{{needs}}})" if needs else "")]
    caption = rf"\caption{{{latex_text(title)}}}"
    if fmt == "latex_longtable":
        first, _, rest = grid.partition("\n")
        out += [first, caption + r" \\", rest]
    else:
        out += [r"\begin{table}[htbp]", r"\centering", caption, grid]
    out += _latex_paragraphs(lines)
    if fmt != "latex_longtable":
        out.append(r"\end{table}")
    return "\n".join(out)


def _latex_paragraphs(lines):
    """Text lines as LaTeX paragraphs, left-aligned and small; indented lines as a list's items (their mark,
    ``⚠`` or ``·``, as the item's label)."""
    lines = [line for line in lines if line.strip()]
    if not lines:
        return []
    out = [r"\begin{flushleft}\small"]
    in_list = False
    for line in lines:
        item = line.startswith(" ")
        if item and not in_list:
            out.append(r"\begin{itemize}")
        elif not item and in_list:
            out.append(r"\end{itemize}")
        in_list = item
        if item:
            mark, space, rest = line.strip().partition(" ")
            if len(mark) == 1 and not mark.isalnum() and space:
                out.append(rf"\item[{latex_text(mark)}] {latex_text(rest)}")
            else:
                out.append(rf"\item {latex_text(line.strip())}")
        else:
            out.append(latex_text(line) + r"\par")
    if in_list:
        out.append(r"\end{itemize}")
    out.append(r"\end{flushleft}")
    return out
