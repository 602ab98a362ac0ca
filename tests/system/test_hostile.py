"""The hostile-input corpus (tests/hostile/make_corpus.py) against every door.

Refused files: exit code 2, one line naming the file, the field and the problem, and not one
row or stored file written. Harmless files (hostile text in legitimate fields): taken in as
text, with every stored name inside the store and made safe.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.support.helpers import all_counts
from tests.support.hostile.make_corpus import DOORS, NEEDS_DEVELOPMENT, RETURNED, Case, cases, make

CASES = [c for c, _ in cases()]


def _param(case: Case) -> object:
    marks = [pytest.mark.xfail(reason=case.pending, strict=True)] if case.pending else []
    return pytest.param(case, id=f"{case.door}:{case.klass}", marks=marks)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {c.name: p for c, p in make(tmp_path_factory.mktemp("hostile"))}


def _files_outside_store(root: Path) -> set[Path]:
    from changeflow.settings import get_settings

    store = get_settings().store_dir
    return {
        p
        for p in root.rglob("*")
        if p.is_file() and not p.is_relative_to(store) and "changeflow.db" not in p.name
    }


def _in_development(key: str, tmp_path: Path) -> str:
    """Plan, approval and kick-off (a branch in a real repository): the state in which the
    test and document doors read their files."""
    import git

    from tests.support.approval import approve as _approve
    from tests.support.approval import make_plan
    from tests.support.approval import set_repo as _set_repo

    repo = git.Repo.init(tmp_path / "oa-repo", initial_branch="main")
    with repo.config_writer() as cw:
        cw.set_value("user", "name", "李明")
        cw.set_value("user", "email", "li.ming@contractor.example")
    (tmp_path / "oa-repo" / "README.md").write_text("OA\n", encoding="utf-8")
    repo.index.add(["README.md"])
    repo.index.commit("初始提交")
    _set_repo(repo.working_tree_dir)
    make_plan(key)
    _approve(key, tmp_path)
    from changeflow.tasks.kickoff import kickoff

    assert kickoff(key)["state"] == "in_development"
    return key


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_hostile_file(case: Case, corpus: dict[str, Path], submitted: str, cli, tmp_path) -> None:
    path = corpus[case.name]
    if case.door in NEEDS_DEVELOPMENT:
        _in_development(submitted, tmp_path)
    args = [a.format(file=path, key=submitted) for a in DOORS[case.door]]
    before = all_counts()
    outside = _files_outside_store(tmp_path)
    code, out, err = cli(*args)
    if case.expect == "refused":
        assert code == 2, (code, out, err)
        line = err.strip()
        assert "\n" not in line, line
        assert path.name in line, line
        assert case.field in line and case.words.lower() in line.lower(), line
        assert "Traceback" not in line
        assert all_counts() == before
    else:
        assert code in (0, 1), err  # 1: a test run recorded as failed
        if case.door == "taskbook":
            _assert_new_request(submitted, before)
        _assert_stored_safely()
    assert _files_outside_store(tmp_path) == outside


# <key>/<kind>/<name>: the name of one scheme (tasks.documents.names) or the sender's own,
# made plain (db.store.safe_name); v<N>-<lang>- in front when that name was taken already
_SAFE_PATH = re.compile(r"^(?:CR|GZ)-\d{4}-\d{4}/[a-z-]+/(?:v\d+-[A-Za-z-]+-)?(?!\.)[\w.-]+$")


def _assert_new_request(first_key: str, before: dict[str, int]) -> None:
    from changeflow.db.models import Request
    from changeflow.db.session import transaction

    assert all_counts()["request"] == before["request"] + 1
    with transaction() as s:
        req = s.scalars(select(Request).order_by(Request.id.desc())).first()
        assert req.key != first_key
        for text in (req.title, *req.attachments, *(r.text for r in req.requirements)):
            assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text), text


LOCAL_SECRETS = (b"root:x:0:0", b"root:*:0:0")  # what /etc/passwd would bring along


def _assert_stored_safely() -> None:
    """Every stored name is plain and inside the store; no document embeds a local file."""
    import io
    import zipfile

    from changeflow.db.models import Document
    from changeflow.db.session import transaction
    from changeflow.db.store import document_path
    from changeflow.settings import get_settings

    store = get_settings().store_dir.resolve()
    with transaction() as s:
        for doc in s.scalars(select(Document)):
            assert _SAFE_PATH.match(doc.path), doc.path
            path = document_path(doc).resolve()
            assert path.is_relative_to(store)
            data = path.read_bytes()
            blobs = [data]
            if data.startswith(b"PK"):
                with zipfile.ZipFile(io.BytesIO(data)) as zf:
                    blobs += [zf.read(n) for n in zf.namelist()]
            assert not any(x in b for b in blobs for x in LOCAL_SECRETS), doc.path


@pytest.mark.parametrize(
    ("case", "values", "edit"), [pytest.param(*r, id=f"approve:{r[0].klass}") for r in RETURNED]
)
def test_hostile_returned_plan(case: Case, values, edit, submitted: str, cli, tmp_path) -> None:
    """A real signed plan, returned with hostile text in (or around) its sign-off table."""
    from tests.support.approval import fill, make_plan

    data = fill(make_plan(submitted), **values)
    path = tmp_path / "in" / case.name
    path.parent.mkdir()
    path.write_bytes(edit(data) if edit else data)
    before = all_counts()
    code, _, err = cli("approve", str(path))
    if case.expect == "refused":
        line = err.strip()
        assert code == 2 and "\n" not in line, (code, err)
        assert path.name in line and case.field in line and case.words.lower() in line.lower(), line
        assert all_counts() == before
    else:
        assert code == 0, err

        _assert_stored_safely()


def test_corpus_is_big_enough_and_covers_every_door() -> None:
    assert len(CASES) + len(RETURNED) >= 40
    assert {c.door for c in CASES} == set(DOORS)
    classes = {c.klass for c in CASES}
    needed = (
        "not a zip", "empty file", "truncated", "old binary .doc", "zip bomb (ratio)",
        "billion laughs (XML)", "billion laughs (YAML)", "huge table (YAML, 5,000 rows)",
        "path traversal in title (Word)", "reserved device name as file name",
    )  # fmt: skip
    for name in needed:
        assert name in classes, name
