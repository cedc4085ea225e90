"""Independent oracles shared by tests: checks that do not go through the code they check."""

import re


def evaluate_worked(text):
    """An explanation's arithmetic (``⌊(36 − 2) / 2⌋ + 1``) evaluated by Python, independently of the Worked
    numbers that wrote it: ⌊a / b⌋ and ⌈a / b⌉ become integer divisions, × * and − -."""
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text)  # thousands separators
    expr = (text.replace("⌊", "_fl((").replace("⌈", "_ce((").replace(" / ", "),(").replace("⌋", "))")
            .replace("⌉", "))").replace("/", "//").replace("×", "*").replace("−", "-").replace(" mod ", " % "))
    return eval(expr, {"_fl": lambda a, b: a // b, "_ce": lambda a, b: -((-a) // b)})  # noqa: S307
