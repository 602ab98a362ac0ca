"""Delivery commands: ``test``, ``docs``, ``golive``, ``acceptance`` and ``accept``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from changeflow.cli.clientmail import SendOpt, fail_if_unsent, mail_line
from changeflow.cli.common import AtOpt, JsonOpt, console, emit, table

LangOpt = typer.Option(None, "--lang", help="Document language: zh-CN or en.")
ActorOpt = typer.Option(None, "--actor", help="Who does it (audit trail; default: you).")
PdfOpt = typer.Option(False, "--pdf", help="Also export the document as PDF (LibreOffice).")


def _pdf_first(pdf: bool) -> None:
    """With --pdf, say before any work that LibreOffice is missing."""
    if pdf:
        from changeflow.tasks.pdf import soffice

        soffice()


def _pdf(key: str, kind: str, version: int, lang: str | None) -> str:
    from changeflow.tasks.pdf import export_pdf

    return str(export_pdf(key, kind, version, lang))


def _with_pdf(
    data: dict[str, Any], pdf: bool, key: str, kind: str, version: int, lang: str | None
) -> dict[str, Any]:
    """The result, with --pdf the document's PDF beside it (``data["pdf"]``)."""
    if pdf:
        data["pdf"] = _pdf(key, kind, version, lang)
    return data


def _pdf_line(data: dict[str, Any]) -> None:
    if "pdf" in data:
        console.print(f"PDF: {data['pdf']}", markup=False)


def _case_values(values: list[str] | None, option: str) -> dict[str, str]:
    out = {}
    for v in values or []:
        case, sep, text = v.partition("=")
        if not sep or not case.strip():
            from changeflow.errors import InputError

            raise InputError(option, "value", f"'{v[:40]}' is not CASE=TEXT")
        out[case.strip()] = text.strip()
    return out


def result_rows(
    result: list[str] | None,
    actual: list[str] | None,
    defect: list[str] | None,
    tester: str | None,
    tested_on: str | None,
) -> list[dict[str, str]]:
    """Rows of manual results from --result/--actual/--defect, laid over the cases file."""
    results = _case_values(result, "--result")
    actuals = _case_values(actual, "--actual")
    defects = _case_values(defect, "--defect")
    rows = []
    for case in dict.fromkeys([*results, *actuals, *defects]):
        row = {
            "case": case,
            "result": results.get(case, ""),
            "actual": actuals.get(case, ""),
            "defect": defects.get(case, ""),
            "tester": tester or "",
            "date": tested_on or "",
        }
        rows.append({k: v for k, v in row.items() if v})  # fmt: skip
    return rows


def test_cmd(
    key: str = typer.Argument(..., help="Request key such as CR-2026-0001."),
    junit: list[Path] = typer.Option(
        None, "--junit", help="JUnit XML file of a run made elsewhere (repeatable)."
    ),
    command: str = typer.Option(
        None, "--command", help="Test command (default: the contract's settings.test_command)."
    ),
    cases: Path = typer.Option(
        None,
        "--cases",
        help="Cases file (YAML, docs/test-cases.md): cases and/or manual results, laid over"
        " the project's own test-cases.yaml by case id.",
    ),
    result: list[str] = typer.Option(
        None, "--result", help="A manual case's result: CASE=通过|不通过|未测 (repeatable)."
    ),
    actual: list[str] = typer.Option(
        None, "--actual", help="A manual case's actual result: CASE=TEXT (repeatable)."
    ),
    defect: list[str] = typer.Option(
        None, "--defect", help="The defect a manual case found: CASE=TEXT (repeatable)."
    ),
    tester: str = typer.Option(None, "--tester", help="Who ran the manual cases of --result."),
    tested_on: str = typer.Option(
        None, "--tested-on", help="When the manual cases of --result ran (YYYY-MM-DD)."
    ),
    commit: str = typer.Option(None, "--commit", help="Commit tested (default: release commit)."),
    timeout: float = typer.Option(None, "--timeout", help="Seconds before the run is killed."),
    reopen: bool = typer.Option(
        False, "--reopen", help="If the tests fail, send the request back to development."
    ),
    again: bool = typer.Option(
        False, "--again", help="Run even though the newest run passed at this commit."
    ),
    lang: str = LangOpt,
    actor: str = ActorOpt,
    pdf: bool = PdfOpt,
    at: str = AtOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Run the project's tests at the release commit (or record JUnit files) and write the
    test report (测试报告). Exit code 1 when the tests failed."""
    from changeflow.tasks.testing import run_tests_from_files

    _pdf_first(pdf)
    res = run_tests_from_files(
        key,
        list(junit or []),
        cases_path=cases,
        result_rows=result_rows(result, actual, defect, tester, tested_on),
        command=command,
        commit=commit,
        timeout=timeout,
        reopen=reopen,
        again=again,
        lang=lang,
        actor=actor,
        at=at,
        at_field="--at",
    )
    data = _with_pdf(res.as_dict(), pdf, key, "testreport", res.version, lang)

    def render() -> None:
        verdict = "[green]PASSED[/]" if res.passed else "[red]FAILED[/]"
        console.print(f"{res.key} test run #{res.seq} at {res.commit[:10] or '?'}: {verdict}")
        if res.unchanged:
            console.print("(this commit already passed with the same inputs: the run stands;"
                          " --again runs the tests anyway)")  # fmt: skip
        console.print(res.reason, markup=False)
        if res.failed:
            rows = ([f["classname"] or f["suite"], f["name"], f["outcome"],
                     (f["message"] or "").splitlines()[0][:80] if f["message"] else ""]
                    for f in res.failed)  # fmt: skip
            console.print(table("Failed cases", ["suite", "case", "kind", "message"], rows))
        if res.requirements:
            rows = ([f"{r['no']}", r["result_text"], ", ".join(c["case"] for c in r["cases"])
                     or "—"] for r in res.requirements)  # fmt: skip
            console.print(table("Requirements", ["no", "result", "cases"], rows))
        for w in res.warnings:
            console.print(f"warning: {w}", markup=False, style="yellow")
        console.print(f"state: {res.state}; report: {res.document}", markup=False)
        _pdf_line(data)

    emit(data, as_json, render)
    if not res.passed:
        sys.exit(1)


def golive_cmd(
    key: str = typer.Argument(..., help="Request key such as CR-2026-0001."),
    commit: str = typer.Option(
        None, "--commit", help="Commit to release (default: the one the newest test run passed)."
    ),
    install: Path = typer.Option(
        None,
        "--install",
        help="Install/upgrade record (YAML: engineer, checks, backup, steps, access;"
        " docs/deliverables.md). Without it the go-live record is a draft.",
    ),
    lang: str = LangOpt,
    actor: str = ActorOpt,
    pdf: bool = PdfOpt,
    at: str = AtOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Go live: tag release/<key>-v<n> on the tested commit and write the go-live record
    (上线记录); the request moves to 'live'."""
    from changeflow.tasks.golive import golive

    _pdf_first(pdf)
    record = None
    if install is not None:
        from changeflow.tasks.inputs import load_yaml, read_limited

        record = load_yaml(read_limited(install, 256 * 1024), str(install))
    res = golive(key, commit=commit, lang=lang, actor=actor, install=record, at=at, at_field="--at")
    data = _with_pdf(res.as_dict(), pdf, key, "golive", res.version, lang)

    def render() -> None:
        console.print(
            f"{res.key} v{res.version} is live: tag {res.tag} at {res.commit[:10]},"
            f" {res.released_at} (Asia/Shanghai) by {res.released_by}",
            markup=False,
        )
        for g in res.groups:
            console.print(g["title"], markup=False)
            for n in g["notes"]:
                console.print(f"  - {n}", markup=False)
        console.print(f"go-live record: {res.document}", markup=False)
        _pdf_line(data)

    emit(data, as_json, render)


def acceptance_cmd(
    key: str = typer.Argument(..., help="Request key such as CR-2026-0001."),
    new_version: bool = typer.Option(
        False, "--new-version", help="Issue a new version even when nothing changed."
    ),
    lang: str = LangOpt,
    actor: str = ActorOpt,
    pdf: bool = PdfOpt,
    send: bool = SendOpt,
    at: str = AtOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Issue the acceptance certificate (验收单) of a live request: the deliverables with
    their versions and the release tag, and a sign-off table the client fills and returns
    (--send mails it to the client's contact)."""
    from changeflow.tasks.acceptance import issue_certificate
    from changeflow.tasks.clientmail import send_issued

    _pdf_first(pdf)
    res = issue_certificate(
        key, lang=lang, actor=actor, new_version=new_version, at=at, at_field="--at"
    )
    data = _with_pdf(res.as_dict(), pdf, key, "acceptance", res.version, res.lang)
    mail = data["mail"] = send_issued(data, send, actor=actor)

    def render() -> None:
        rows = ([d["no"], d["name"], d["version"], d["ident"]] for d in res.deliverables)
        same = " (unchanged: nothing new since, this version stands)" if res.unchanged else ""
        console.print(table(f"{key} acceptance certificate v{res.version}{same}",
                            ["no", "deliverable", "version", "identifier"], rows))  # fmt: skip
        if res.missing:
            console.print(
                f"not yet made: {', '.join(res.missing)} (changeflow docs {key})", markup=False
            )
        console.print(f"certificate: {res.document}", markup=False)
        if mail is None:
            console.print(
                "Send it to the client (--send); record the returned file with: changeflow"
                " accept FILE"
            )
        mail_line(mail)
        _pdf_line(data)

    emit(data, as_json, render)
    fail_if_unsent(mail)


def accept_cmd(
    file: Path = typer.Argument(..., help="The acceptance certificate the client returned."),
    actor: str = typer.Option("changeflow", "--actor", help="Who records it (audit trail)."),
    as_json: bool = JsonOpt,
) -> None:
    """Record a returned acceptance certificate after verifying it (signature, unchanged
    tables): accepted -> 'accepted'; not accepted -> back to testing or development."""
    from changeflow.tasks.signoff import accept_file

    res = accept_file(file, actor=actor)

    def render() -> None:
        verb = "ACCEPTED" if res["decision"] == "approve" else "NOT accepted"
        dup = " (already recorded)" if res["duplicate"] else ""
        console.print(
            f"{res['key']} {verb} by {res['approver']} on {res['decided_on']}{dup};"
            f" state: {res['state']}",
            markup=False,
        )
        if res["comment"]:
            console.print(f"comment: {res['comment']}", markup=False)

    emit(res, as_json, render)


def docs_cmd(
    key: str = typer.Argument(..., help="Request key such as CR-2026-0001."),
    notes: Path = typer.Option(
        None,
        "--notes",
        help="Design notes in Markdown; a '# 用户手册' (User manual) section goes to the manual.",
    ),
    screenshot: list[Path] = typer.Option(
        None, "--screenshot",
        help="PNG or JPEG screenshot for the manual (repeatable), or a folder of them.",
    ),
    draft: bool = typer.Option(
        False,
        "--draft",
        help="Issue even though required sections are missing (待补充): a draft, marked 草稿"
        " on every page, that cannot go into an acceptance certificate.",
    ),
    lang: str = LangOpt,
    actor: str = ActorOpt,
    pdf: bool = PdfOpt,
    at: str = AtOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Make the technical document (技术文档) and the user manual (用户手册) from the notes'
    sections; a new version only when their inputs changed. Missing sections are refused
    (exit code 2) unless --draft."""
    from changeflow.tasks.delivery_docs import make_docs_from_files

    _pdf_first(pdf)
    results = make_docs_from_files(
        key,
        notes_path=notes,
        screenshot_paths=list(screenshot or []),
        lang=lang,
        actor=actor,
        draft=draft,
        at=at,
        at_field="--at",
    )
    data = [_with_pdf(dict(r.__dict__), pdf, key, r.kind, r.version, r.lang) for r in results]

    def render() -> None:
        rows = ([d["kind"], f"v{d['version']}" + (" 草稿 draft" if d["draft"] else ""),
                 "new" if d["new"] else "unchanged", d.get("pdf") or d["document"]]
                for d in data)  # fmt: skip
        console.print(table(f"{key} documents", ["document", "version", "", "file"], rows))
        for d in data:
            if d["missing"]:
                console.print(f"{d['kind']}: 待补充 (missing) {', '.join(d['missing'])}",
                              markup=False)  # fmt: skip
        for w in sorted({w for d in data for w in d.get("warnings", [])}):
            console.print(f"warning: {w}", markup=False, style="yellow")

    emit(data, as_json, render)


def register(app: typer.Typer) -> None:
    """Add ``test``, ``golive``, ``acceptance``, ``accept`` and ``docs`` to ``app``."""
    app.command("test")(test_cmd)
    app.command("golive")(golive_cmd)
    app.command("acceptance")(acceptance_cmd)
    app.command("accept")(accept_cmd)
    app.command("docs")(docs_cmd)
