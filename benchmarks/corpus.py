"""Benchmark corpora: one synthetic chatmail site, written for chatmail-site and for Hugo.

`generate()` writes the same pages and the same relay directory twice:

- ``DEST/chatmail-site/`` in chatmail-site's layout (site.yaml, content/<lang>/<slug>.md,
  content/servers.yaml);
- ``DEST/hugo/`` as a Hugo site (hugo.toml, one content directory per language,
  data/servers.yaml, templates doing the same work as chatmail-site's theme).

Everything is derived from a seeded random generator, so a corpus is byte-identical for the
same arguments. Translations follow their original's structure (headings and anchors,
paragraphs, lists, links and numbers in the same order, other words), as real ones do, so the
page checks find in the corpus about as little as in a real site. Run as a script to write one corpus::

    python benchmarks/corpus.py DEST --languages 50 --pages 20 --relays 200
"""

from __future__ import annotations

import argparse
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml
from babel import Locale

DEFAULT_LANGUAGE = "en"
SITE_TITLE = "Chatmail relays"
BASE_URL = "https://example.org/"
OURS_DIR = "chatmail-site"
HUGO_DIR = "hugo"

# The default language comes first so that any prefix of this list is a valid site.
LANGUAGES = (
    "en", "de", "fr", "nl", "es", "it", "pt", "pl", "ru", "uk", "ar", "he", "fa", "tr", "ja",
    "zh", "ko", "sv", "da", "fi", "nb", "cs", "sk", "hu", "ro", "bg", "el", "id", "vi", "th",
    "hi", "bn", "ca", "eu", "gl", "hr", "sr", "sl", "lt", "lv", "et", "sq", "mk", "be", "ka",
    "hy", "az", "kk", "uz", "ms", "ur", "ta", "te", "mr", "sw", "af", "cy", "ga", "gu", "kn",
)  # fmt: skip

# Named pages come first; larger corpora continue with numbered ones.
PAGE_SLUGS = (
    "index", "faq", "privacy", "limits", "donate", "security", "install", "backup",
    "multi-device", "encryption", "groups", "apps", "notifications", "self-hosting", "terms",
    "imprint", "accessibility", "translations", "history", "glossary", "press", "contact",
    "features", "support", "roadmap",
)  # fmt: skip
HOME_SLUG = "index"
# chatmail-site's directive for the relay list, and the Hugo shortcode that stands in for it.
RELAY_LIST_DIRECTIVE = "{% relays %}"
RELAY_LIST_SHORTCODE = "{{< relays >}}"
# The page a benchmark edits; it exists in every language of every corpus.
EDITED_SLUG = "faq"

LATIN = "abcdefghijklmnopqrstuvwxyz"
CYRILLIC = "абвгдежзийклмнопрстуфхцчшщыэюя"
ARABIC = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
# Letters each writing system draws its made-up words from; languages not listed use LATIN
# plus their own accented letters, so every language exercises its real script.
SCRIPTS = {
    **dict.fromkeys(("ru", "uk", "bg", "sr", "mk", "be", "kk"), CYRILLIC),
    **dict.fromkeys(("ar", "fa", "ur"), ARABIC),
    "he": "אבגדהוזחטיכלמנסעפצקרשת",
    "el": "αβγδεζηθικλμνξοπρστυφχψω",
    "ka": "აბგდევზთიკლმნოპჟრსტუფქღყშჩცძწჭხჯჰ",
    "hy": "աբգդեզէըթժիլխծկհձղճմյնշոչպջռսվտրցւփքօֆ",
    "hi": "अआइईउऊएकखगघचछजझटठडढणतथदधनपफबभमयरलवशसह",
    "mr": "अआइईउऊएकखगघचछजझटठडढणतथदधनपफबभमयरलवशसह",
    "bn": "অআইঈউঊএকখগঘচছজঝটঠডঢণতথদধনপফবভমযরলশসহ",
    "gu": "અઆઇઈઉઊએકખગઘચછજઝટઠડઢણતથદધનપફબભમયરલવશસહ",
    "kn": "ಅಆಇಈಉಊಎಕಖಗಘಚಛಜಝಟಠಡಢಣತಥದಧನಪಫಬಭಮಯರಲವಶಸಹ",
    "ta": "அஆஇஈஉஊஎகஙசஞடணதநபமயரலவழளறன",
    "te": "అఆఇఈఉఊఎకఖగఘచఛజఝటఠడఢణతథదధనపఫబభమయరలవశసహ",
    "th": "กขคฆงจฉชซญฎฏฐฑฒณดตถทธนบปผฝพฟภมยรลวศษสหฬอฮ",
    "ja": "".join(map(chr, range(0x3042, 0x3094))),
    "zh": "".join(map(chr, range(0x4E00, 0x4E00 + 400))),
    "ko": "".join(map(chr, range(0xAC00, 0xAC00 + 400))),
}
ACCENTS = {
    "de": "äöüß", "fr": "éèàçô", "es": "ñáéíóú", "pt": "ãçéõ", "pl": "ąćęłńóśźż", "tr": "çğışöü",
    "cs": "čěřšůž", "sk": "áčďľňšž", "hu": "áéőöűü", "ro": "ăâîșț", "sv": "åäö", "da": "æøå",
    "nb": "æøå", "fi": "äö", "vi": "ăâđêôơư", "lt": "ąčėęįšųūž", "lv": "āčēģīķļņšūž",
    "et": "äõöü", "hr": "čćđšž", "sl": "čšž", "az": "çəğıöşü", "uz": "ʻ", "ca": "àçèéíò",
}  # fmt: skip
RTL_LANGUAGES = frozenset(("ar", "he", "fa", "ur"))
COUNTRIES = ("DE", "US", "PL", "IT", "NL", "FR", "FI", "AT", "CH", "SE", "ES", "BR", "CA", "JP", "IN")
LOGO = '<img alt="Chatmail logo" src="../assets/logos/chatmail.svg" width="80" style="float:right;" />'
TLDS = ("org", "net", "chat", "de", "eu", "it", "pl", "fun", "cloud", "space")


@dataclass(frozen=True)
class Corpus:
    """Where `generate()` put the two copies of one corpus, and what is in them."""

    ours: Path
    hugo: Path
    languages: tuple[str, ...]
    slugs: tuple[str, ...]
    relays: int


def edited_page(site: Path) -> Path:
    """The default-language page a one-page-edit benchmark appends to, inside either copy.

    Its path is the same in both copies, so one function serves both tools.
    """
    return site / "content" / DEFAULT_LANGUAGE / f"{EDITED_SLUG}.md"


def generate(dest: Path, languages: int, pages: int, relays: int, seed: int = 0) -> Corpus:
    """Write one corpus to ``dest/chatmail-site`` and its Hugo twin to ``dest/hugo``.

    `languages` takes the first N entries of LANGUAGES (the default language first); `pages`
    is the number of pages in the default language, of which translations miss a few.
    Anything already in those two directories is replaced.
    """
    if not 1 <= languages <= len(LANGUAGES):
        raise ValueError(f"languages must be between 1 and {len(LANGUAGES)}, not {languages}")
    if pages < 2:
        raise ValueError("pages must be at least 2 (the home page and the edited page)")
    langs = LANGUAGES[:languages]
    slugs = page_slugs(pages)
    rng = random.Random(f"chatmail-site-corpus:{seed}")
    relay_records = make_relays(rng, relays, langs)
    translated = {lang: translated_slugs(rng, lang, slugs) for lang in langs}

    corpus = Corpus(dest / OURS_DIR, dest / HUGO_DIR, langs, slugs, relays)
    for site in (corpus.ours, corpus.hugo):
        if site.exists():
            shutil.rmtree(site)
    write_ours(corpus.ours, langs, translated, relay_records, seed)
    write_hugo(corpus.hugo, langs, slugs, translated, relay_records, seed)
    return corpus


def page_slugs(count: int) -> tuple[str, ...]:
    """The first `count` page slugs: named ones, then page-NN."""
    numbered = (f"page-{n:02d}" for n in range(len(PAGE_SLUGS) + 1, count + 1))
    return (*PAGE_SLUGS[:count], *numbered)


def translated_slugs(rng: random.Random, lang: str, slugs: tuple[str, ...]) -> tuple[str, ...]:
    """The slugs `lang` has its own page for: all of them for the default language.

    Translations miss about one page in ten, but never the home page or the edited page,
    so that every corpus has the pages the benchmarks rely on.
    """
    if lang == DEFAULT_LANGUAGE:
        return slugs
    kept = (HOME_SLUG, EDITED_SLUG)
    return tuple(slug for slug in slugs if slug in kept or rng.random() >= 0.1)


def make_relays(rng: random.Random, count: int, langs: tuple[str, ...]) -> list[dict[str, object]]:
    """The relay directory: unique domains, the first relay is the default one."""
    relays = []
    for index in range(count):
        name = "".join(rng.choice(LATIN) for _ in range(rng.randint(4, 9)))
        relays.append(
            {
                "domain": f"{name}{index}.{rng.choice(TLDS)}",
                "languages": sorted(rng.sample(langs, k=min(len(langs), rng.randint(1, 2)))),
                "country": rng.choice(COUNTRIES),
                "since": f"{rng.randint(2023, 2025)}-{rng.randint(1, 12):02d}",
                "default": index == 0,
                "listed": index == 0 or rng.random() < 0.9,
            }
        )
    return relays


class TextMaker:
    """Made-up prose in one language's script.

    Two generators: `shape` decides everything a translation keeps from its original (how
    many sentences, where bold text and links go, the links' targets) and is seeded per page
    only, so every language's version of a page has the same structure; `rng` draws the
    words and is seeded per page and language.
    """

    def __init__(self, lang: str, rng: random.Random, shape: random.Random) -> None:
        self.letters = SCRIPTS.get(lang, LATIN + ACCENTS.get(lang, ""))
        self.rng = rng
        self.shape = shape

    def word(self) -> str:
        return "".join(self.rng.choice(self.letters) for _ in range(self.rng.randint(2, 9)))

    def words(self, low: int, high: int) -> str:
        return " ".join(self.word() for _ in range(self.rng.randint(low, high)))

    def sentence(self) -> str:
        text = self.words(5, 14)
        if self.shape.random() < 0.25:
            text += f" **{self.words(1, 3)}**"
        if self.shape.random() < 0.2:
            target = "".join(self.shape.choice(LATIN) for _ in range(self.shape.randint(2, 9)))
            text += f" [{self.words(1, 3)}](https://delta.chat/{target})"
        return text[0].upper() + text[1:] + "."

    def paragraph(self) -> str:
        # Real pages wrap their paragraphs, which Markdown has to join again.
        return "\n".join(self.sentence() for _ in range(self.shape.randint(2, 5)))


def page_markdown(lang: str, slug: str, relays: list[dict[str, object]], seed: int) -> tuple[dict, str]:
    """Front matter and Markdown body of one page, shaped like a chatmail information page.

    Every language's version of a page follows the same structure, as a real translation
    follows its original: the same headings with the same `{#id}`s, paragraphs, lists,
    links and relay links in the same order; only the words differ. (The page checks compare
    each translation with its original block by block, so a corpus whose translations were
    shaped at random would report thousands of findings a real site does not have.)
    """
    rng = random.Random(f"page:{seed}:{lang}:{slug}")
    shape = random.Random(f"shape:{seed}:{slug}")
    text = TextMaker(lang, rng, shape)
    front_matter = {"title": text.words(3, 8).capitalize(), "lang": lang}
    if shape.random() < 0.8:
        front_matter["description"] = text.sentence()

    blocks = [f"## {text.words(2, 6).capitalize()} {{#intro}}"]
    blocks.append(LOGO)
    blocks.append(text.paragraph())
    if slug == HOME_SLUG:
        blocks.append(RELAY_LIST_DIRECTIVE)
    # A page names a relay or two; more would be a relay list kept by hand, which the page
    # checks report (the relay list itself comes from `{% relays %}` on the home page).
    featured = shape.sample(relays, k=min(len(relays), shape.randint(1, 2)))
    blocks.append(
        "\n\n".join(
            f"- [{relay['domain']}](https://{relay['domain']}) {text.words(4, 10)}." for relay in featured
        )
    )
    for section in range(shape.randint(3, 6)):
        blocks.append(f"## {text.words(2, 7).capitalize()}? {{#section-{section + 1}}}")
        blocks.extend(text.paragraph() for _ in range(shape.randint(1, 3)))
        if shape.random() < 0.5:
            blocks.append("\n".join(f"- **{text.words(1, 2)}:** {text.words(4, 12)}" for _ in range(4)))
    blocks.append(f"[{text.words(1, 2).capitalize()}](donate){{: .cta-button}}")
    return front_matter, "\n\n".join(blocks) + "\n"


def to_hugo_markdown(body: str) -> str:
    """Adapt the two things Goldmark does not parse: the relay directive and `{: .class}`.

    The directive becomes a shortcode rendering the same list. Kramdown's attribute list after
    a link moves to a line of its own, where Goldmark's block attributes put the class on the
    link's paragraph: the closest equivalent Hugo can render.
    """
    body = body.replace(RELAY_LIST_DIRECTIVE, RELAY_LIST_SHORTCODE)
    return body.replace("){: .cta-button}", ")\n{.cta-button}")


def front_matter_document(front_matter: dict, body: str) -> str:
    header = yaml.safe_dump(front_matter, allow_unicode=True, sort_keys=False)
    return f"---\n{header}---\n\n{body}"


def dump_yaml(data: object) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def write_ours(
    site: Path,
    langs: tuple[str, ...],
    translated: dict[str, tuple[str, ...]],
    relays: list[dict[str, object]],
    seed: int,
) -> None:
    """The chatmail-site copy: only real translations; the tool makes the fallbacks itself."""
    config = {
        "title": SITE_TITLE,
        "default_language": DEFAULT_LANGUAGE,
        "languages": list(langs),
        "base_url": BASE_URL,
        "theme": "default",
        "donate": "donate",
    }
    write_text(site / "site.yaml", dump_yaml(config))
    write_text(site / "content" / "servers.yaml", dump_yaml(relays))
    for lang in langs:
        for slug in translated[lang]:
            front_matter, body = page_markdown(lang, slug, relays, seed)
            write_text(site / "content" / lang / f"{slug}.md", front_matter_document(front_matter, body))


def write_hugo(
    site: Path,
    langs: tuple[str, ...],
    slugs: tuple[str, ...],
    translated: dict[str, tuple[str, ...]],
    relays: list[dict[str, object]],
    seed: int,
) -> None:
    """The Hugo copy: same pages, plus the fallback pages Hugo cannot make by itself."""
    write_text(site / "hugo.toml", hugo_config(langs))
    write_text(site / "data" / "servers.yaml", dump_yaml(relays))
    write_text(site / "data" / "names.yaml", dump_yaml(display_names(langs, relays)))
    for name, template in HUGO_LAYOUTS.items():
        write_text(site / "layouts" / name, template)
    for lang in langs:
        content = site / "content" / lang
        for slug in slugs:
            # A missing translation becomes a copy of the default-language page, which is
            # the page chatmail-site renders as that language's fallback.
            source_lang = lang if slug in translated[lang] else DEFAULT_LANGUAGE
            front_matter, body = page_markdown(source_lang, slug, relays, seed)
            front_matter["lang"] = source_lang
            filename = "_index.md" if slug == HOME_SLUG else f"{slug}.md"
            write_text(content / filename, front_matter_document(front_matter, to_hugo_markdown(body)))
        # The relay pages need a section, but chatmail-site has no page for it.
        section = {"title": "Relays", "build": {"render": "never", "list": "always"}}
        write_text(content / "servers" / "_index.md", front_matter_document(section, ""))
        write_text(content / "servers" / "_content.gotmpl", HUGO_RELAY_ADAPTER)


def display_names(langs: tuple[str, ...], relays: list[dict[str, object]]) -> dict[str, dict[str, str]]:
    """Native language names and English country names for the Hugo templates.

    Hugo has no locale database to ask, so it gets the names chatmail-site takes from Babel.
    """
    english = Locale.parse(DEFAULT_LANGUAGE)
    countries = sorted({str(relay["country"]) for relay in relays})
    return {
        "languages": {lang: language_name(lang) for lang in langs},
        "countries": {code: english.territories.get(code, code) for code in countries},
    }


def language_name(lang: str) -> str:
    """The language's name in its own language, as a language switcher shows it."""
    name = Locale.parse(lang).get_display_name(lang) or lang
    return name[0].upper() + name[1:]


def hugo_config(langs: tuple[str, ...]) -> str:
    """hugo.toml: one language per content folder, and no output chatmail-site lacks."""
    lines = [
        f'baseURL = "{BASE_URL}"',
        f'title = "{SITE_TITLE}"',
        f'defaultContentLanguage = "{DEFAULT_LANGUAGE}"',
        "defaultContentLanguageInSubdir = true",
        'disableKinds = ["taxonomy", "term", "rss"]',
        "enableRobotsTXT = true",
        "",
        "[markup.goldmark.renderer]",
        "unsafe = true",
        "[markup.goldmark.parser.attribute]",
        "block = true",
        "title = true",
        "",
    ]
    for weight, lang in enumerate(langs, start=1):
        lines += [
            f'[languages."{lang}"]',
            f'contentDir = "content/{lang}"',
            f'label = "{language_name(lang)}"',
            f'locale = "{lang}"',
            f'direction = "{"rtl" if lang in RTL_LANGUAGES else "ltr"}"',
            f"weight = {weight}",
            "",
        ]
    return "\n".join(lines)


HUGO_RELAY_ADAPTER = """\
{{/* One page per relay, in every language, from data/servers.yaml; unlisted ones unindexed. */}}
{{ range hugo.Data.servers }}
  {{ $.AddPage (dict
    "path" .domain
    "title" .domain
    "params" (dict "relay" .)
    "sitemap" (dict "disable" (not .listed))
  ) }}
{{ end }}
"""

HUGO_BASEOF = """\
<!DOCTYPE html>
<html lang="{{ .Language.Locale }}" dir="{{ .Language.Direction }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ .Title }} · {{ site.Title }}</title>
{{ with .Description }}<meta name="description" content="{{ . }}">{{ end }}
<link rel="canonical" href="{{ .Permalink }}">
{{ with .Params.relay }}{{ if not .listed }}<meta name="robots" content="noindex">{{ end }}{{ end }}
{{ range .AllTranslations -}}
<link rel="alternate" hreflang="{{ .Language.Locale }}" href="{{ .Permalink }}">
{{ if eq .Language.Lang hugo.Sites.Default.Language.Lang -}}
<link rel="alternate" hreflang="x-default" href="{{ .Permalink }}">
{{ end -}}
{{ end -}}
<link rel="stylesheet" href="/style.css">
</head>
<body>
<header><a href="{{ site.Home.RelPermalink }}">{{ site.Title }}</a></header>
<nav class="languages"><ul>
{{ range .AllTranslations -}}
<li><a href="{{ .RelPermalink }}" hreflang="{{ .Language.Locale }}" lang="{{ .Language.Locale }}"\
{{ if eq .Language.Lang $.Language.Lang }} aria-current="page"{{ end }}>{{ .Language.Label }}</a></li>
{{ end -}}
</ul></nav>
<main>
{{ if ne .Params.lang .Language.Lang }}<p class="fallback">{{ .Params.lang }}</p>{{ end }}
{{ block "main" . }}{{ end }}
</main>
</body>
</html>
"""

HUGO_SINGLE = """\
{{ define "main" }}
<article lang="{{ .Params.lang }}">
<h1>{{ .Title }}</h1>
{{ .Content }}
</article>
{{ end }}
"""

# The home page: the only list page Hugo renders here.
HUGO_LIST = HUGO_SINGLE

# The relay list, default relay first, as chatmail-site's `{% relays %}` directive renders it.
HUGO_RELAYS_SHORTCODE = """\
{{ $relays := where hugo.Data.servers "listed" true -}}
<ul class="relays">
{{ range (where $relays "default" true) | append (where $relays "default" false) -}}
{{ with site.GetPage (printf "/servers/%s" .domain) -}}
{{ $relay := .Params.relay -}}
<li><a href="{{ .RelPermalink }}">{{ $relay.domain }}</a>
{{ index hugo.Data.names.countries $relay.country }}
{{ range $i, $lang := $relay.languages }}{{ if $i }}, {{ end }}\
{{ index hugo.Data.names.languages $lang }}{{ end }}
</li>
{{ end -}}
{{ end -}}
</ul>
"""

HUGO_RELAY = """\
{{ define "main" }}
{{ with .Params.relay }}
<h1>{{ .domain }}</h1>
<dl>
<dt>Country</dt><dd>{{ index hugo.Data.names.countries .country }}</dd>
<dt>Languages</dt><dd>{{ range $i, $lang := .languages }}{{ if $i }}, {{ end }}\
{{ index hugo.Data.names.languages $lang }}{{ end }}</dd>
<dt>Since</dt><dd>{{ printf "%s-01" .since | time.AsTime | time.Format "January 2006" }}</dd>
</dl>
<p><a class="cta-button" href="dcaccount:{{ .domain }}">{{ .domain }}</a></p>
<p><a href="https://{{ .domain }}/">https://{{ .domain }}/</a></p>
{{ end }}
{{ end }}
"""

HUGO_NOT_FOUND = """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
<p><a href="{{ site.Home.RelPermalink }}">{{ site.Title }}</a></p>
{{ end }}
"""

HUGO_LAYOUTS = {
    "404.html": HUGO_NOT_FOUND,
    "_default/baseof.html": HUGO_BASEOF,
    "_default/single.html": HUGO_SINGLE,
    "_default/list.html": HUGO_LIST,
    "servers/single.html": HUGO_RELAY,
    "shortcodes/relays.html": HUGO_RELAYS_SHORTCODE,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dest", type=Path, help="directory to write chatmail-site/ and hugo/ into")
    parser.add_argument("--languages", type=int, default=50)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--relays", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    corpus = generate(args.dest, args.languages, args.pages, args.relays, args.seed)
    print(f"wrote {corpus.ours} and {corpus.hugo}")


if __name__ == "__main__":
    main()
