"""A site's own templates: a broken one is a path:line diagnostic, never a traceback."""

from __future__ import annotations

import io
import pickle

import jinja2
import pytest

from chatmail_site.build import build_site
from chatmail_site.commands.cli import main
from chatmail_site.commands.serve import PreviewServer
from chatmail_site.core.errors import Diagnostics
from chatmail_site.load.theme import RecordingEnvironment, TemplateProblem
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


# ---- which templates a render looked up -------------------------------------------------

RECORDED_TEMPLATES = {
    "page.html": '{% extends "base.html" %}{% block main %}{% include "part.html" %}{% endblock %}',
    "base.html": '{% import "macros.html" as m %}<main>{% block main %}{% endblock %}{{ m.mark() }}</main>',
    "part.html": '{% include ["missing.html", "fallback.html"] %}',
    "fallback.html": "<p>fallback</p>",
    "macros.html": "{% macro mark() %}!{% endmacro %}",
    "unused.html": "<p>never looked up</p>",
}


def recording_environment() -> RecordingEnvironment:
    return RecordingEnvironment(loader=jinja2.DictLoader(RECORDED_TEMPLATES), autoescape=True)


def test_extends_include_and_import_are_recorded_on_every_render() -> None:
    environment = recording_environment()
    expected = {"page.html", "base.html", "part.html", "fallback.html", "macros.html"}
    for _ in range(2):  # the second time every template comes from Jinja's cache
        with environment.recording() as used:
            html = environment.get_template("page.html").render()
        assert html == "<main><p>fallback</p>!</main>"
        assert used == expected


def test_lookups_outside_a_recording_are_not_noted() -> None:
    environment = recording_environment()
    environment.get_template("unused.html")
    with environment.recording() as used:
        environment.get_or_select_template(["missing.html", "part.html"])
    environment.get_template("page.html")
    assert used == {"part.html"}


def test_recording_patches_no_private_attribute(make_site) -> None:
    from chatmail_site.load.config import load_config
    from chatmail_site.load.theme import Theme

    config = load_config(make_site({}), Diagnostics())
    assert config is not None
    theme = Theme(config)
    attributes_before = set(vars(theme))
    environment_before = dict(vars(theme.env))
    with theme.env.recording() as used:
        theme.env.get_template("page.html")
    assert used == {"page.html"}  # its parent is looked up only when it is rendered
    assert set(vars(theme)) == attributes_before
    assert dict(vars(theme.env)) == environment_before  # nothing set on, or swapped in, the environment
    # Only Jinja's public lookups are overridden, none of its private methods.
    overridden = {
        name
        for name, value in vars(RecordingEnvironment).items()
        if callable(value) and name in vars(jinja2.Environment)
    }
    assert overridden == {"__init__", "get_template", "select_template"}
