"""Plain-words wording for validation problems.

libxml2's RELAX NG messages name the wrong element surprisingly often ("Did
not expect element div there" for a bad date), so tei-build first finds the
exact element itself (see diagnose.py) and words the problem here; these
translations of libxml2's own messages are only the last resort.
"""

from __future__ import annotations

import difflib
import re

# What an XML Schema datatype means, for someone correcting a file by hand.
DATATYPE_WORDS = {   # in the order they are offered to the reader
    "date": "a date such as 2022-03-25",
    "gYearMonth": "a month such as 2022-03",
    "gYear": "a year such as 2022",
    "gMonthDay": "a day of the year such as --03-25",
    "gMonth": "a month such as --03",
    "gDay": "a day such as ---25",
    "dateTime": "a date and time such as 2022-03-25T08:30:00",
    "time": "a time such as 08:30:00",
    "duration": "a duration such as P3D",
    "ID": "an identifier: a letter or _ first, then letters, digits, '-', '_' or '.', no spaces",
    "anyURI": "a pointer such as #id, persons.xml#id or https://…",
    "token": "a single word without spaces",
    "NCName": "a name without spaces or colons",
    "language": "a language tag such as zh-Hans or zh-Latn-pinyin",
    "nonNegativeInteger": "a whole number (0, 1, 2 …)",
    "positiveInteger": "a whole number from 1 up",
    "integer": "a whole number",
    "decimal": "a number",
    "double": "a number",
    "float": "a number",
    "boolean": "true or false",
    "string": "any text",
}


def element_label(element) -> str:
    """`<div type="article" xml:id="…">`-style label that lets a reader find the element."""
    from lxml import etree

    name = etree.QName(element).localname
    shown = []
    for key in ("type", "{http://www.w3.org/XML/1998/namespace}id", "n"):
        if element.get(key) is not None:
            shown.append(f'{attribute_name(key)}="{element.get(key)}"')
    return f"<{name}{' ' if shown else ''}{' '.join(shown)}>"


def attribute_name(clark: str) -> str:
    """`{http://www.w3.org/XML/1998/namespace}id` → `xml:id`."""
    if clark.startswith("{http://www.w3.org/XML/1998/namespace}"):
        return "xml:" + clark.split("}", 1)[1]
    if clark.startswith("{"):
        ns, local = clark[1:].split("}", 1)
        return f"{local} (namespace {ns})"
    return clark


def did_you_mean(word: str, choices) -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=3, cutoff=0.6)
    if not close:
        return ""
    return " Did you mean " + " or ".join(f"'{c}'" for c in close) + "?"


def name_list(names, limit: int = 14) -> str:
    names = sorted(names, key=str.lower)
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[:limit]) + f" and {len(names) - limit} more (see the encoding guidelines)"


# libxml2 message → plain words; the last resort when tei-build cannot pin the problem down.
_LIBXML2 = [
    (r"Expecting element (\S+), got (\S+)",
     r"found <\2> where <\1> was expected; check the order and spelling of the elements here"),
    (r"Did not expect element (\S+) there",
     r"<\1> is not allowed at this point (or something inside it is wrong); check its place "
     r"and its attributes against the encoding guidelines"),
    (r"Element (\S+) has extra content: (\S+)",
     r"<\1> contains something it may not contain here (<\2>); check the order and number of "
     r"its children"),
    (r"Expecting an element (\S+), got nothing",
     r"<\1> is missing here; add it"),
    (r"Element (\S+) failed to validate attributes",
     r"an attribute of <\1> is missing, misspelt or has a value that is not allowed"),
    (r"Element (\S+) failed to validate content",
     r"the content of <\1> does not fit what the encoding guidelines allow"),
    (r"Invalid attribute (\S+) for element (\S+)",
     r"<\2> may not have the attribute \1; remove it or check its spelling"),
    (r"Type ID doesn't allow value '(.*)'",
     r"'\1' is not a valid xml:id (start with a letter, no spaces)"),
    (r"ID (\S+) redefined", r"xml:id \1 is used twice; identifiers must be unique in a file"),
    (r"Expecting a namespace for element (\S+)",
     r"<\1> is not in the TEI namespace: declare xmlns=\"http://www.tei-c.org/ns/1.0\""),
]


def translate_libxml2(message: str) -> str:
    text = message.strip()
    return _reword(_LIBXML2, text) or f"does not fit the schema ({text})"


def _reword(table, text: str) -> str | None:
    for pattern, words in table:
        found = re.search(pattern, text)
        if found:
            return found.expand(words)
    return None


# libxml2 parser messages (the file is not well-formed XML) → plain words.
_PARSER = [
    (r"Opening and ending tag mismatch: (\S+) line (\d+) and ([^\s,]+)",
     r"<\1> (opened on line \2) is not closed before </\3>: add </\1> where it ends, or "
     r"remove the stray </\3>"),
    (r"Premature end of data in tag (\S+) line (\d+)",
     r"the file ends before <\1> (opened on line \2) is closed"),
    (r"xmlParseEntityRef: no name|EntityRef: expecting ';'",
     r"a bare & in the text: write &amp;"),
    (r"StartTag: invalid element name", r"a bare < in the text: write &lt;"),
    (r"Extra content at the end of the document",
     r"there is content after the end of the root element"),
]


def translate_parser(message: str) -> str:
    """`not well-formed XML: <libxml2 message>` → what is wrong, in plain words."""
    words = _reword(_PARSER, message.removeprefix("not well-formed XML: ").strip())
    return f"not well-formed XML: {words}" if words else message
