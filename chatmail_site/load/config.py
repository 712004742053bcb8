"""site.yaml → a frozen SiteConfig, with every mistake reported at once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from chatmail_site.core.domainname import InvalidDomain, normalize_domain
from chatmail_site.core.errors import Diagnostics, decode_utf8, known_keys_hint
from chatmail_site.core.safety import (
    FOLDER_NAME,
    MAX_SETTINGS_FILE_BYTES,
    SourceProblem,
    confined_path,
    read_source,
)
from chatmail_site.core.yamlutil import LineDict, LineList, describe_type, expect_text, load_yaml
from chatmail_site.load.i18n import is_language_tag

CONFIG_FILE = "site.yaml"
KNOWN_KEYS = frozenset(
    {"title", "default_language", "languages", "base_url", "theme", "donate", "fronts", "translate_url"}
)


@dataclass(frozen=True)
class Fronts:
    """The relay whose web face the site is (`fronts:` in site.yaml).

    `domain` names a relay of servers.yaml, `ini` the relay's own chatmail.ini; at least one
    is set. Limits come from the ini, else from the relay software's defaults.
    """

    domain: str | None
    ini: Path | None
    line: int  # where `fronts:` stands in site.yaml


FRONTS_KEYS = frozenset({"domain", "ini"})
# The name of a page, as its file is named in content/<lang>/ (without .md).
PAGE_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@dataclass(frozen=True)
class SiteConfig:
    """The validated settings of one site folder."""

    root: Path
    title: str
    default_language: str
    languages: tuple[str, ...]
    base_url: str | None = None
    theme: str = "default"
    donate: str = "donate"
    fronts: Fronts | None = None
    # Where the notice on untranslated pages sends readers who want to help: a page slug or a URL.
    translate_url: str = "translate"

    def with_base_url(self, base_url: str | None) -> SiteConfig:
        """The same site published under another base URL (a preview path, a mirror)."""
        fields = {**self.__dict__, "base_url": normalise_base_url(base_url) if base_url else None}
        return SiteConfig(**fields)

    @property
    def content_dir(self) -> Path:
        return self.root / "content"

    @property
    def locales_dir(self) -> Path:
        return self.root / "locales"

    @property
    def servers_file(self) -> Path:
        return self.content_dir / "servers.yaml"

    @property
    def config_file(self) -> Path:
        return self.root / CONFIG_FILE

    @property
    def donate_is_url(self) -> bool:
        return urlsplit(self.donate).scheme in ("http", "https")

    @property
    def translate_is_url(self) -> bool:
        return urlsplit(self.translate_url).scheme in ("http", "https")


def normalise_base_url(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def language_folders(content_dir: Path) -> list[str]:
    """The language folders present in content/ (anything that looks like a language tag)."""
    if not content_dir.is_dir():
        return []
    return sorted(p.name for p in content_dir.iterdir() if p.is_dir() and is_language_tag(p.name))


def load_config(site_dir: Path, diagnostics: Diagnostics, *, keep_going: bool = False) -> SiteConfig | None:
    """Read and validate site.yaml, reporting every problem; None when it is unusable.

    With `keep_going`, settings in error are replaced by safe stand-ins (the default theme,
    no fronted relay, …) and the config is returned anyway, so that the caller can check the
    rest of the site too; the caller must then not publish anything.
    """
    path = site_dir / CONFIG_FILE
    data = _read_config_file(path, diagnostics)
    if data is None:
        return None
    for key in data:
        if key not in KNOWN_KEYS:
            diagnostics.warning(
                path, data.line_of(key), f"unknown setting `{key}`", known_keys_hint(str(key), KNOWN_KEYS)
            )
    errors_before = len(diagnostics.errors)
    config = _build_config(site_dir, path, data, diagnostics)
    return config if keep_going or len(diagnostics.errors) == errors_before else None


def _read_config_file(path: Path, diagnostics: Diagnostics) -> LineDict | None:
    if not path.exists():
        diagnostics.error(
            path, 0, "site.yaml is missing", "run chatmail-site in a site folder, or pass --site DIR"
        )
        return None
    try:
        # site.yaml obeys the rule of every path a setting names: a file of the site folder.
        data = read_source(confined_path(path.parent, path.name, limit=MAX_SETTINGS_FILE_BYTES))
    except SourceProblem as problem:
        diagnostics.error(path, 0, problem.message, problem.hint)
        return None
    text = decode_utf8(data, path, diagnostics)
    if text is None:
        return None
    data = load_yaml(text.replace("\r\n", "\n"), str(path), diagnostics)
    if data is None and not diagnostics.errors:
        data = LineDict()
        data.line, data.key_lines, data.raw = 1, {}, {}
    if data is not None and not isinstance(data, LineDict):
        diagnostics.error(
            path,
            1,
            f"site.yaml must be a mapping of settings, not {describe_type(data)}",
            "write `title: My site` and so on, one setting per line",
        )
        return None
    return data


def _build_config(site_dir: Path, path: Path, data: LineDict, diagnostics: Diagnostics) -> SiteConfig | None:
    title = expect_text(data, "title", str(path), diagnostics) or "chatmail"
    theme = _theme(site_dir, data, path, diagnostics)
    donate = _page_or_url(data, "donate", path, diagnostics) or "donate"
    fronts = _fronts(site_dir, data, path, diagnostics)
    translate_url = _page_or_url(data, "translate_url", path, diagnostics) or "translate"
    base_url = _base_url(data, path, diagnostics)
    languages = _languages(site_dir, data, path, diagnostics)
    default = expect_text(data, "default_language", str(path), diagnostics) or (
        languages[0] if languages else "en"
    )
    if not is_language_tag(default):
        diagnostics.error(
            path,
            data.line_of("default_language"),
            f"`{default}` is not a language tag",
            "use a tag like en, de or pt-BR",
        )
        return None
    if languages and default not in languages:
        diagnostics.error(
            path,
            data.line_of("default_language"),
            f"the default language `{default}` is not among the site's languages ({', '.join(languages)})",
            f"add {default} to `languages`, or create content/{default}/",
        )
        return None
    ordered = (default, *(lang for lang in languages if lang != default))
    return SiteConfig(site_dir, title, default, ordered, base_url, theme, donate, fronts, translate_url)


def _theme(site_dir: Path, data: LineDict, path: Path, diagnostics: Diagnostics) -> str:
    """`theme:` names a folder of themes/ (the site's own, or one shipped with the tool).

    Templates run as code, so the name is a plain folder name and the folder must lie inside
    themes/ once links are resolved: no path can make a file of content/ a template.
    """
    theme = expect_text(data, "theme", str(path), diagnostics) or "default"
    line = data.line_of("theme")
    if not FOLDER_NAME.match(theme):
        diagnostics.error(
            path,
            line,
            f"`{theme}` is not a theme name",
            "name a folder of themes/ (letters, digits, `.`, `-` and `_`, no `/`), e.g. `theme: default`",
        )
        return "default"
    if (site_dir / "themes" / theme).exists() or (site_dir / "themes" / theme).is_symlink():
        try:
            # Measured against the site's own themes/, so not even a linked themes/ can move it.
            zone = site_dir.resolve() / "themes"
            confined_path(site_dir / "themes", theme, folder=True, where="themes/", zone=zone)
        except SourceProblem as problem:
            diagnostics.error(path, line, problem.message, problem.hint)
            return "default"
    elif not (bundled_dir("themes") / theme).is_dir():
        diagnostics.error(
            path,
            line,
            f"the theme `{theme}` does not exist",
            f"create themes/{theme}/ or use `theme: default`",
        )
    return theme


def _page_or_url(data: LineDict, key: str, path: Path, diagnostics: Diagnostics) -> str | None:
    """A setting that names a page of the site by its slug, or a web address."""
    value = expect_text(data, key, str(path), diagnostics)
    if value is None or _is_web_address(value):
        return value
    if not PAGE_SLUG.match(value):
        diagnostics.error(
            path,
            data.line_of(key),
            f"`{key}: {value}` is neither a page name nor a web address",
            f"write a page name like `{key}: donate` or a full address starting with https://",
        )
        return None
    return value


def _is_web_address(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


BASE_URL_HINT = "write it like https://example.org/ or https://example.org/chatmail/"


def base_url_problem(value: str) -> str | None:
    """Why `value` cannot be the site's published address, or None when it can.

    The address is written into robots.txt, the sitemap and every page's head, so it must be
    one plain URL: a line break or space in it would add a line to robots.txt (`Disallow: /`)
    or a second value to a link.
    """
    if any(character.isspace() or not character.isprintable() for character in value):
        return f"`{value.strip()}` holds a space, line break or control character: it is not one address"
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        return f"`{value}` is not a web address"
    return None


def _base_url(data: LineDict, path: Path, diagnostics: Diagnostics) -> str | None:
    value = expect_text(data, "base_url", str(path), diagnostics)
    if value is None:
        return None
    problem = base_url_problem(value)
    if problem:
        diagnostics.error(path, data.line_of("base_url"), problem, BASE_URL_HINT)
        return None
    return normalise_base_url(value)


def _fronts(site_dir: Path, data: LineDict, path: Path, diagnostics: Diagnostics) -> Fronts | None:
    """`fronts: chat.example.org`, `fronts: chatmail.ini`, or `fronts: {domain: …, ini: …}`.

    A plain value ending in `.ini` or holding a `/` is the path of the relay's chatmail.ini
    (relative to the site folder); any other plain value is a domain of servers.yaml.
    """
    if data.get("fronts") is None:
        return None
    value, line = data["fronts"], data.line_of("fronts")
    hint = "write `fronts: chat.example.org`, `fronts: chatmail.ini`, or a mapping with `domain:` and `ini:`"
    if isinstance(value, str):
        looks_like_path = value.endswith(".ini") or "/" in value
        settings = {"ini": value} if looks_like_path else {"domain": value}
    elif isinstance(value, LineDict) and value:
        settings = {}
        for key, item in value.items():
            if key not in FRONTS_KEYS:
                known = known_keys_hint(str(key), FRONTS_KEYS)
                diagnostics.error(path, value.line_of(key), f"unknown setting `fronts.{key}`", known)
            elif not isinstance(item, str) or not item.strip():
                diagnostics.error(path, value.line_of(key), f"`fronts.{key}` must be text", hint)
            else:
                settings[key] = item
        if not settings:
            return None
    else:
        diagnostics.error(path, line, f"`fronts` cannot be {describe_type(value)}", hint)
        return None
    domain = settings.get("domain")
    if domain is not None:
        try:
            domain = normalize_domain(domain.strip())
        except InvalidDomain as problem:
            diagnostics.error(path, line, f"`fronts` names an invalid domain: {problem}", hint)
            return None
    ini = None
    if "ini" in settings:
        ini_line = value.line_of("ini") if isinstance(value, LineDict) else line
        try:
            ini = confined_path(site_dir, settings["ini"], limit=MAX_SETTINGS_FILE_BYTES)
        except SourceProblem as problem:
            diagnostics.error(path, ini_line, f"the relay config: {problem.message}", problem.hint)
            return None
    return Fronts(domain, ini, line)


def _languages(site_dir: Path, data: LineDict, path: Path, diagnostics: Diagnostics) -> list[str]:
    if "languages" not in data:
        found = language_folders(site_dir / "content")
        if not found:
            diagnostics.error(
                path, 0, "the site has no language folders", "create content/en/ and put a page in it"
            )
        distinct: list[str] = []
        for tag in found:
            same = _same_but_case(tag, distinct)
            if same is None:
                distinct.append(tag)
                continue
            diagnostics.error(
                f"content/{tag}",
                0,
                f"the folders content/{tag} and content/{same} differ only in upper and lower case",
                "merge them into one folder: they are one folder on macOS and Windows",
            )
        return distinct
    value = data["languages"]
    if not isinstance(value, LineList) or not value:
        diagnostics.error(
            path,
            data.line_of("languages"),
            "`languages` must be a list of language tags",
            "write languages: [en, de, fr]",
        )
        return []
    result: list[str] = []
    for index, tag in enumerate(value):
        line = value.line_of(index)
        if isinstance(tag, bool):
            diagnostics.error(
                path, line, "a language was read as true/false", 'put language tags like "no" in quotes'
            )
        elif not isinstance(tag, str) or not is_language_tag(tag):
            diagnostics.error(
                path, line, f"`{tag}` is not a language tag Babel knows", "use tags like en, de, pt-BR"
            )
        elif tag in result:
            diagnostics.warning(path, line, f"`{tag}` is listed twice", "remove one of them")
        elif (same := _same_but_case(tag, result)) is not None:
            # Folders named `en` and `EN` are one folder on macOS and Windows.
            diagnostics.error(
                path,
                line,
                f"`{tag}` and `{same}` differ only in upper and lower case",
                f"list the language once, as `{same}`",
            )
        else:
            result.append(tag)
    return result


def _same_but_case(tag: str, tags: list[str]) -> str | None:
    return next((other for other in tags if other.casefold() == tag.casefold()), None)


def bundled_dir(name: str) -> Path:
    """A folder shipped with the tool (themes, locales): installed copy first, else the checkout."""
    package = Path(__file__).resolve().parent.parent
    installed = package / f"_{name}"
    return installed if installed.is_dir() else package.parent / name
