"""The outline of a .po file read before Babel: header fields with their lines, plural
entries with their forms, and keeping a translator's header through an update."""

from __future__ import annotations

from chatmail_site.load.po_outline import keep_header, outline_po


def test_the_outline_finds_a_header_split_over_lines_and_a_later_header() -> None:
    text = (
        '# comment\nmsgid ""\nmsgstr ""\n"Language: fr\\n"\n'
        '"Plural-Forms: nplurals=2; "\n"plural=(n > 1);\\n"\n\n'
        'msgid "a"\nmsgid_plural "as"\nmsgstr[0] "x"\nmsgstr[1] "y"\n\n'
        'msgctxt "again"\nmsgid ""\nmsgstr "plural-forms: nplurals=99999999; plural=n;\\n"\n'
    )
    outline = outline_po(text)
    fields = outline.fields_named("Plural-Forms")
    assert [(f.value, f.line) for f in fields] == [
        ("nplurals=2; plural=(n > 1);", 5),
        ("nplurals=99999999; plural=n;", 15),
    ]
    assert [(e.line, e.forms) for e in outline.plural_entries] == [(8, (0, 1))]


def test_folded_header_lines_and_escapes_join_into_one_field() -> None:
    text = (
        'msgid ""\nmsgstr ""\n'
        '"Last-Translator: Ann \\"A\\"\\n"\n"  <ann@example.org>\\n"\n'
        '"X-Tab: a\\tb\\n"\n'
    )
    outline = outline_po(text)
    assert [(f.name, f.value, f.line) for f in outline.header] == [
        ("last-translator", 'Ann "A" <ann@example.org>', 3),
        ("x-tab", "a\tb", 5),
    ]
    assert outline.header_line == 3


def test_a_file_without_a_header_starts_at_line_one() -> None:
    outline = outline_po('msgid "a"\nmsgstr "b"\n\n#~ msgid "old"\n#~ msgstr "alt"\n')
    assert outline.header == [] and outline.plural_entries == []
    assert outline.header_line == 1
    assert outline.fields_named("Language") == []


def test_a_plural_entry_without_forms_is_listed_with_none() -> None:
    outline = outline_po('msgid "one"\nmsgid_plural "many"\nmsgstr "x"\n\nmsgid "b"\nmsgstr "c"\n')
    assert [(e.line, e.forms) for e in outline.plural_entries] == [(1, ())]


ORIGINAL = (
    b'# Translator notes\nmsgid ""\nmsgstr ""\n"Plural-Forms: nplurals=2; plural=(n > 1);\\n"\n\n'
    b'msgid "a"\nmsgstr "A"\n'
)
UPDATED = (
    b'# generated\nmsgid ""\nmsgstr ""\n"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
    b'msgid "a"\nmsgstr "A"\n\nmsgid "b"\nmsgstr ""\n'
)


def test_an_update_keeps_the_original_header_and_its_comments() -> None:
    merged = keep_header(ORIGINAL, UPDATED)
    assert merged.startswith(ORIGINAL[: ORIGINAL.index(b"\n\n")])
    assert merged.endswith(b'msgid "b"\nmsgstr ""\n')
    assert b"n != 1" not in merged and b"# generated" not in merged


def test_a_file_without_a_header_entry_takes_the_update_as_it_is() -> None:
    assert keep_header(b'msgid "a"\nmsgstr "A"\n', UPDATED) == UPDATED
    assert keep_header(ORIGINAL, b'msgid "a"\nmsgstr "A"\n') == b'msgid "a"\nmsgstr "A"\n'
