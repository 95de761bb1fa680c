"""How hard a page is to read: the Flesch-Kincaid grade of its visible text.

    grade = 0.39 × (words / sentences) + 11.8 × (syllables / words) − 15.59

The text is what a reader sees (and a screen reader says): the body's text, without
tags, scripts, styles or the document's head. Each block element (a paragraph, a list
item, a heading, a label, a button, a table cell...) ends a sentence, as do ".", "!" and
"?" followed by a space. Words are runs of letters (numbers are not counted: a date or a
score is read as easily as the words round it). Syllables are counted by the rules of
`syllables`, an approximation good enough for plain English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

# Elements whose end (and start) ends a sentence.
BLOCKS = frozenset(
    {
        *("address", "article", "aside", "blockquote", "br", "button", "caption", "dd"),
        *("details", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer"),
        *("form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "label", "legend"),
        *("li", "main", "nav", "ol", "option", "p", "pre", "section", "select", "summary"),
        *("table", "tbody", "td", "textarea", "tfoot", "th", "thead", "tr", "ul"),
    }
)
SKIP = frozenset({"script", "style", "head", "template", "noscript"})
BREAK = "\n\n"
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")
VOWELS = re.compile(r"[aeiouy]+")
# Vowel pairs usually said as two syllables ("period", "situation", "video").
TWO = re.compile(r"ia|io|eo|ua|uo|iu")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIP:
            self.skipping += 1
        elif tag in BLOCKS:
            self.parts.append(BREAK)

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in BLOCKS:
            self.parts.append(BREAK)

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def sentences(html: str) -> list[list[str]]:
    """The page's visible sentences, each as its words (sentences without words left out)."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    found = []
    for block in "".join(parser.parts).split(BREAK):
        for piece in SENTENCE_END.split(block):
            words = WORD.findall(piece)
            if words:
                found.append(words)
    return found


def syllables(word: str) -> int:
    """The syllables of one English word, by rule: each run of vowels is one; a silent
    final "e" ("make"), "-ed" ("looked") and "-es" ("makes") are not; "-ing" after a
    vowel ("going") and vowel pairs said apart ("period") are two, but not in "-tion"
    ("practitioner"). At least one."""
    w = re.sub(r"[^a-z]", "", word.lower())
    if not w:
        return 0
    # "-tion", "-sion", "-cial", "-cious": the "i" is not said on its own.
    said = re.sub(r"(?<=[tsc])i(?=[aou])", "", w)
    groups = VOWELS.findall(said[1:] if said[0] == "y" else said)
    n = len(groups) + sum(len(TWO.findall(g)) for g in groups)
    if w.endswith("e") and not w.endswith(("ee", "ye")) and n > 1:
        if not (w.endswith("le") and len(w) > 2 and w[-3] not in "aeiouy"):
            n -= 1
    elif n > 1 and (_silent_ed(w) or _silent_es(w)):
        n -= 1
    if w.endswith("ing") and len(w) > 3 and w[-4] in "aeiou":
        n += 1
    return max(1, n)


def _silent_ed(w: str) -> bool:
    return w.endswith("ed") and not w.endswith(("ted", "ded"))


def _silent_es(w: str) -> bool:
    return w.endswith("es") and not w.endswith(("ses", "xes", "zes", "ches", "shes", "ges", "ces"))


@dataclass
class Measure:
    words: int
    sentences: int
    syllables: int

    @property
    def grade(self) -> float:
        if not self.words:
            return 0.0
        return 0.39 * self.words / self.sentences + 11.8 * self.syllables / self.words - 15.59


def measure(html: str) -> Measure:
    said = sentences(html)
    words = [w for s in said for w in s]
    return Measure(len(words), len(said), sum(syllables(w) for w in words))


def grade(html: str) -> float:
    """The Flesch-Kincaid grade of a page (or a piece of plain text)."""
    return measure(html).grade
