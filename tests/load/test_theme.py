"""A site's own templates: a broken one is a path:line diagnostic, never a traceback."""

from __future__ import annotations

import io
import pickle

import pytest

from chatmail_site.build import build_site
from chatmail_site.commands.cli import main
from chatmail_site.commands.serve import PreviewServer
from chatmail_site.load.theme import TemplateProblem
from chatmail_site.render import pool as parallel
from tests.support.sites import page

OWN = "themes/default/templates/"
BROKEN_SYNTAX = '{% extends "base.html" %}\n{% block main %}\n{% if page %}\n<p>x</p>\n{% endblock %}\n'
UNDEFINED_NAME = (
    '{% extends "base.html" %}\n{% block main %}\n<p>\n{{ no_such_name.title }}\n</p>\n{% endblock %}\n'
)


def test_a_syntax_error_is_reported_at_the_template_line(make_site, capsys) -> None:
    site = make_site({OWN + "page.html": BROKEN_SYNTAX, OWN + "404.html": "{{ 404 }\n"})
    code = main(["build", "--site", str(site)])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert f"{OWN}404.html:1: error: template syntax error: unexpected '}}'" in err
    assert f"{OWN}page.html:5: error: template syntax error: Encountered unknown tag 'endblock'" in err
    assert "hint: check the line against Jinja's syntax" in err


def test_an_undefined_name_is_reported_at_the_template_line(make_site, capsys) -> None:
    site = make_site({OWN + "page.html": UNDEFINED_NAME})
    for command in ("build", "check"):
        code = main([command, "--site", str(site)])
        err = capsys.readouterr().err
        assert code == 1 and "Traceback" not in err
        assert (
            f"{OWN}page.html:4: error: the template cannot be filled in: 'no_such_name' is undefined" in err
        )


def test_an_undefined_name_on_pool_workers_is_reported_the_same(make_site, monkeypatch) -> None:
    if not parallel.can_fork():
        pytest.skip("the pool needs fork")
    monkeypatch.setattr(parallel, "PARALLEL_THRESHOLD", 1)
    pages = {f"content/en/p{number}.md": page(f"Page {number}", "en") for number in range(6)}
    result = build_site(make_site({**pages, OWN + "page.html": UNDEFINED_NAME}), jobs=2)
    (error,) = result.diagnostics.errors
    assert (error.path, error.line) == (OWN + "page.html", 4) and result.files == {}


def test_a_template_problem_crosses_process_boundaries_whole() -> None:
    problem = TemplateProblem(OWN + "page.html", 4, "message", "hint")
    assert pickle.loads(pickle.dumps(problem)).diagnostic == problem.diagnostic


def test_the_preview_shows_a_broken_template_and_recovers(make_site) -> None:
    site = make_site({"content/en/about.md": page("About", "en")})
    # A long quiet time keeps the watcher out of the way: this test rebuilds by itself.
    with PreviewServer(site, port=0, debounce=600, log=io.StringIO()) as server:
        template = site / OWN / "page.html"
        template.parent.mkdir(parents=True)
        template.write_text(BROKEN_SYNTAX, encoding="utf-8")
        outcome = server.preview.rebuild([OWN + "page.html"])
        assert not outcome.ok
        assert [(d.path, d.line) for d in outcome.diagnostics] == [(OWN + "page.html", 5)]
        template.unlink()
        assert server.preview.rebuild([OWN + "page.html"]).ok


def test_extracting_strings_from_a_broken_template_is_a_diagnostic(make_site, capsys) -> None:
    site = make_site({OWN + "page.html": BROKEN_SYNTAX})
    assert main(["i18n", "extract", "--site", str(site)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and f"{OWN}page.html:5: error: template syntax error:" in err
    assert not (site / "locales/messages.pot").exists()
