"""Git sync on real repositories built in temporary folders (git CLI, fixed dates)."""

from __future__ import annotations

import json
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from changeflow.db.git import Commit, CommitLink, Repository, TimeEntry
from changeflow.db.models import Client, Person, Request
from changeflow.db.session import transaction
from changeflow.errors import InputError
from changeflow.tasks import gitsync
from tests.support.gitrepo import GitRepo, lines

ZS = ("Zhang San", "zhangsan@corp.cn")
ZS_CASE = ("zhang san", "ZhangSan@Corp.CN")
ZS_LAPTOP = ("zs", "zs@old-laptop")  # .mailmap maps it to Zhang San
ZS_HOME = ("张三", "zhang3@home.example")  # a repository alias maps it
LS = ("Li Si", "lisi@corp.cn")


@pytest.fixture
def requests_db(any_db_url: str) -> str:
    """A client with four requests of 2026 (seq 1, 2, 3, 20) and our developer Zhang San;
    on SQLite, and on PostgreSQL too when CHANGEFLOW_TEST_PG_URL is set."""
    from changeflow.db.migrate import upgrade

    db = any_db_url
    upgrade(db)
    with transaction(db) as s:
        c = Client(code="DEMO", name="示例客户", aliases=[])
        s.add(c)
        s.flush()
        for seq in (1, 2, 3, 20):
            s.add(
                Request(
                    key=f"CR-2026-{seq:04d}",
                    year=2026,
                    seq=seq,
                    kind="dev",
                    client_id=c.id,
                    title=f"需求 {seq}",
                    state="in_development",
                    attachments=[],
                    contact={},
                )
            )
        s.add(
            Person(
                name="张三",
                email="zhangsan@corp.cn",
                roles=["developer"],
                git_aliases=["zhang3@home.example"],
            )
        )
    return db


def sync(ref: str | Path, db: str, **kw: object) -> gitsync.SyncResult:
    (res,) = gitsync.sync(str(ref), url=db, **kw)  # type: ignore[arg-type]
    return res


def count(db: str, model: type, *where: object) -> int:
    with transaction(db) as s:
        return s.scalar(select(func.count()).select_from(model).where(*where)) or 0


def links_of(db: str, key: str) -> set[str]:
    """Commit subjects linked to a request."""
    with transaction(db) as s:
        rows = s.scalars(
            select(Commit.message)
            .join(CommitLink, CommitLink.commit_id == Commit.id)
            .join(Request, Request.id == CommitLink.request_id)
            .where(Request.key == key)
        )
        return {m.splitlines()[0] for m in rows}


def progress(db: str, key: str, **kw: object) -> dict:
    with transaction(db) as s:
        return gitsync.request_progress(s, key, **kw)  # type: ignore[arg-type]


@pytest.fixture
def oa_repo(tmp_path: Path) -> GitRepo:
    """An OA-style history: Chinese messages, merges, branches, time logs, four spellings."""
    r = GitRepo(tmp_path / "oa")
    r.commit(
        "初始化 OA 项目",
        {
            "README.md": "# OA\n",
            ".mailmap": "Zhang San <zhangsan@corp.cn> zs <zs@old-laptop>\n",
        },
        when="2026-03-01T09:00:00+08:00",
    )
    r.commit(
        "CR-2026-0001 新增请假审批表单 @2h",
        {"forms/leave.xml": lines(10)},
        author=ZS,
        when="2026-03-02T10:00:00+08:00",
    )
    r.commit(
        "修复表单校验 refs #1 @1h30m",
        {"forms/leave.xml": lines(12)},
        author=ZS_CASE,
        when="2026-03-03T23:30:00+08:00",  # 15:30 UTC, still the 3rd for the author
    )
    r.commit(
        "调整流程节点 fixes #20 (not #2) @45m",
        {"flow/node.py": lines(5)},
        author=LS,
        when="2026-03-03T11:00:00+08:00",
    )
    r.branch("cr/CR-2026-0002")
    r.commit(
        "公文流转：新增签批节点 @1.5",
        {"flow/sign.py": lines(20)},
        author=ZS_LAPTOP,
        when="2026-03-04T10:00:00+08:00",
    )
    r.commit(
        "签批节点单元测试",
        {"tests/test_sign.py": lines(8)},
        author=ZS_HOME,
        when="2026-03-04T15:00:00+08:00",
    )
    r.checkout("main")
    r.merge("cr/CR-2026-0002", "Merge branch 'cr/CR-2026-0002'")
    r.branch("feature/report")
    r.commit(
        "周报导出 CR-2026-0001 CR-2026-0003 @1h CR-2026-0003 @3h",
        {"report/weekly.py": lines(30)},
        author=LS,
        when="2026-03-06T16:00:00+08:00",
    )
    r.checkout("main")
    return r


def _register(db: str, path: Path, **kw: object) -> None:
    with transaction(db) as s:
        client = s.scalar(select(Client))
        gitsync.add_repository(
            s,
            str(path),
            client_id=client.id if client else None,
            aliases={"zhang3@home.example": "zhangsan@corp.cn"},
            **kw,  # type: ignore[arg-type]
        )


def test_full_sync_links_time_and_identities(requests_db: str, oa_repo: GitRepo) -> None:
    _register(requests_db, oa_repo.path)
    res = sync(oa_repo.path, requests_db)
    assert res.seen == res.new == 8
    assert res.branches == 3
    assert count(requests_db, Commit) == 8
    assert count(requests_db, Commit, Commit.is_merge) == 1

    assert links_of(requests_db, "CR-2026-0001") == {
        "CR-2026-0001 新增请假审批表单 @2h",
        "修复表单校验 refs #1 @1h30m",
        "周报导出 CR-2026-0001 CR-2026-0003 @1h CR-2026-0003 @3h",
    }
    # branch cr/<key> links commits that do not name the key; the merge names it
    assert links_of(requests_db, "CR-2026-0002") == {
        "公文流转：新增签批节点 @1.5",
        "签批节点单元测试",
        "Merge branch 'cr/CR-2026-0002'",
    }
    assert links_of(requests_db, "CR-2026-0020") == {"调整流程节点 fixes #20 (not #2) @45m"}
    assert "CR-2026-0003" in res.requests

    with transaction(requests_db) as s:
        idents = dict(
            s.execute(select(Commit.message, Commit.identity)).tuples().all()
        )  # message -> identity
        entries = s.execute(
            select(TimeEntry.token, TimeEntry.hours, TimeEntry.day, Request.key)
            .outerjoin(Request, Request.id == TimeEntry.request_id)
            .order_by(TimeEntry.id)
        ).all()
        zs_person = s.scalar(select(Person.id).where(Person.name == "张三"))
        person_ids = set(
            s.scalars(select(Commit.person_id).where(Commit.identity == "zhangsan@corp.cn"))
        )
    zs = {m for m, i in idents.items() if i == "zhangsan@corp.cn"}
    assert zs == {
        "初始化 OA 项目",
        "CR-2026-0001 新增请假审批表单 @2h",
        "修复表单校验 refs #1 @1h30m",
        "公文流转：新增签批节点 @1.5",  # via .mailmap
        "签批节点单元测试",  # via alias
    }
    assert person_ids == {zs_person}
    got = {(t, h, d.isoformat(), k) for t, h, d, k in entries}
    assert got == {
        ("@2h", Decimal("2.00"), "2026-03-02", "CR-2026-0001"),
        ("@1h30m", Decimal("1.50"), "2026-03-03", "CR-2026-0001"),
        ("@45m", Decimal("0.75"), "2026-03-03", "CR-2026-0020"),
        ("@1.5", Decimal("1.50"), "2026-03-04", "CR-2026-0002"),  # given by the branch link
        ("@1h", Decimal("1.00"), "2026-03-06", "CR-2026-0003"),  # the key just before it
        ("@3h", Decimal("3.00"), "2026-03-06", "CR-2026-0003"),
    }

    p = progress(requests_db, "CR-2026-0001", planned_person_days=Decimal("2"))
    assert p["commits"] == 3 and p["merges"] == 0
    assert p["hours_logged"] == Decimal("3.50")
    assert p["person_days_logged"] == Decimal("0.44")
    assert p["progress_pct"] == Decimal("21.9")  # 0.44 of 2 planned days
    assert p["files"] == 2  # forms/leave.xml, report/weekly.py
    assert p["insertions"] == 10 + 2 + 30
    assert p["active_days"] == 3
    authors = {a["identity"]: a for a in p["authors"]}
    assert authors["zhangsan@corp.cn"]["commits"] == 2
    assert authors["zhangsan@corp.cn"]["days"] == 2
    assert authors["lisi@corp.cn"]["commits"] == 1
    assert p["first_activity"].isoformat() == "2026-03-02T02:00:00+00:00"
    assert p["last_activity"].isoformat() == "2026-03-06T08:00:00+00:00"
    assert progress(requests_db, "CR-2026-0002")["progress_pct"] is None  # no plan


def test_sync_is_idempotent_and_incremental(requests_db: str, oa_repo: GitRepo) -> None:
    sync(oa_repo.path, requests_db)  # registers the path on first use
    again = sync(oa_repo.path, requests_db)
    assert (again.seen, again.new, again.linked, again.time_entries) == (0, 0, 0, 0)
    oa_repo.commit("CR-2026-0003 统计报表 @2h", {"report/stat.py": lines(3)})
    inc = sync(oa_repo.path, requests_db)
    assert (inc.seen, inc.new, inc.linked, inc.time_entries) == (1, 1, 1, 1)
    full = sync(oa_repo.path, requests_db, full=True)
    assert full.seen == 9 and full.new == 0
    assert count(requests_db, Commit) == 9
    assert count(requests_db, CommitLink) == 9
    assert count(requests_db, TimeEntry) == 7


def test_force_push_keeps_links_and_counts_once(requests_db: str, tmp_path: Path) -> None:
    r = GitRepo(tmp_path / "fp")
    r.commit("base", {"a.txt": "a\n"}, when="2026-03-01T09:00:00+08:00")
    keep = r.commit("CR-2026-0001 step one @1h", {"b.txt": "b\n"}, when="2026-03-02T09:00:00+08:00")
    old_tip = r.commit(
        "CR-2026-0001 step two @2h", {"c.txt": "c\n"}, when="2026-03-03T09:00:00+08:00"
    )
    first = sync(r.path, requests_db)
    assert first.new == 3
    assert progress(requests_db, "CR-2026-0001")["hours_logged"] == Decimal(3)

    # amend the last commit (same message, more lines) and push it with --force
    r.git("reset", "-q", "--hard", keep)
    r.commit("CR-2026-0001 step two @2h", {"c.txt": "c\nc2\n"}, when="2026-03-03T09:05:00+08:00")
    second = sync(r.path, requests_db)
    assert (second.new, second.unreachable) == (1, 1)
    assert count(requests_db, Commit) == 4
    assert count(requests_db, Commit, Commit.reachable.is_(False)) == 1
    p = progress(requests_db, "CR-2026-0001")
    assert p["commits"] == 2 and p["hours_logged"] == Decimal(3)  # not 5
    assert p["insertions"] == 1 + 2
    with transaction(requests_db) as s:  # the surviving commit kept its link
        assert (
            s.scalar(
                select(func.count()).select_from(CommitLink).join(Commit).where(Commit.sha == keep)
            )
            == 1
        )

    # the old history comes back (force-push again): no duplicates, counted again
    r.git("reset", "-q", "--hard", old_tip)
    third = sync(r.path, requests_db)
    assert (third.new, third.reachable_again, third.unreachable) == (0, 1, 1)
    assert count(requests_db, Commit) == 4
    assert progress(requests_db, "CR-2026-0001")["insertions"] == 2


def test_deleted_branch_commits_stop_counting(requests_db: str, tmp_path: Path) -> None:
    r = GitRepo(tmp_path / "del")
    r.commit("base", {"a.txt": "a\n"})
    r.branch("cr/CR-2026-0003")
    r.commit("实验 @4h", {"x.txt": "x\n"})
    r.checkout("main")
    sync(r.path, requests_db)
    assert progress(requests_db, "CR-2026-0003")["hours_logged"] == Decimal(4)
    r.git("branch", "-q", "-D", "cr/CR-2026-0003")
    res = sync(r.path, requests_db)
    assert res.unreachable == 1 and res.branches == 1
    assert progress(requests_db, "CR-2026-0003")["hours_logged"] == Decimal(0)


def test_non_utf8_messages(requests_db: str, tmp_path: Path) -> None:
    r = GitRepo(tmp_path / "gbk")
    r.commit("base", {"a.txt": "a\n"})
    # raw GBK bytes and no encoding header (old Windows tools): read as GB18030
    r.raw_commit("CR-2026-0001 修复乱码问题 @1h".encode("gbk"))
    # an encoding header (i18n.commitEncoding=gbk on the client): git re-encodes it
    r.raw_commit("CR-2026-0002 公文归档".encode("gbk"), headers=b"encoding GBK\n")
    # bytes that are neither UTF-8 nor GB18030: replacement characters, no crash
    r.raw_commit(b"broken \xff\xfe\xfa bytes", author=("Li \xff", "lisi@corp.cn"))
    res = sync(r.path, requests_db)
    assert res.new == 4
    with transaction(requests_db) as s:
        msgs = set(s.scalars(select(Commit.message)))
    assert "CR-2026-0001 修复乱码问题 @1h" in msgs
    assert "CR-2026-0002 公文归档" in msgs
    broken = next(m for m in msgs if m.startswith("broken"))
    assert "\ufffd" in broken
    assert links_of(requests_db, "CR-2026-0001") == {"CR-2026-0001 修复乱码问题 @1h"}
    assert links_of(requests_db, "CR-2026-0002") == {"CR-2026-0002 公文归档"}


def test_empty_repository(requests_db: str, tmp_path: Path) -> None:
    r = GitRepo(tmp_path / "empty")
    res = sync(r.path, requests_db)
    assert res.new == 0 and res.branches == 0
    assert any("empty repository" in w for w in res.warnings)
    r.commit("first", {"a.txt": "a\n"})
    assert sync(r.path, requests_db).new == 1


def test_shallow_clone_boundary_has_no_stats(requests_db: str, tmp_path: Path) -> None:
    src = GitRepo(tmp_path / "src")
    src.commit("one", {"big.txt": lines(100)}, when="2026-03-01T09:00:00+08:00")
    src.commit("two", {"big.txt": lines(101)}, when="2026-03-02T09:00:00+08:00")
    src.commit("three CR-2026-0001", {"big.txt": lines(103)}, when="2026-03-03T09:00:00+08:00")
    clone = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "2", f"file://{src.path}", str(clone)], check=True
    )
    res = sync(clone, requests_db)
    assert res.shallow and res.new == 2
    assert any("shallow" in w for w in res.warnings)
    with transaction(requests_db) as s:
        rows = {
            m: (f, i, b)
            for m, f, i, b in s.execute(
                select(Commit.message, Commit.files, Commit.insertions, Commit.shallow_boundary)
            )
        }
    assert rows["two"] == (None, None, True)  # git would say: 101 lines added
    assert rows["three CR-2026-0001"] == (1, 2, False)

    subprocess.run(["git", "-C", str(clone), "fetch", "-q", "--unshallow"], check=True)
    res = sync(clone, requests_db)
    assert not res.shallow and res.new == 1
    with transaction(requests_db) as s:
        two = s.scalar(select(Commit).where(Commit.message == "two"))
        assert (two.files, two.insertions, two.shallow_boundary) == (1, 1, False)
        assert two.parents != ""


def test_detached_head(requests_db: str, tmp_path: Path) -> None:
    r = GitRepo(tmp_path / "det")
    first = r.commit("one", {"a.txt": "a\n"})
    r.commit("two", {"a.txt": "b\n"})
    r.git("checkout", "-q", "--detach", first)
    res = sync(r.path, requests_db)
    assert res.new == 2 and any("detached HEAD" in w for w in res.warnings)
    # a CI-style checkout: detached, no branch at all -> HEAD is followed
    r2 = GitRepo(tmp_path / "det2")
    r2.commit("one", {"a.txt": "a\n"})
    r2.git("checkout", "-q", "--detach")
    r2.git("branch", "-q", "-D", "main")
    res2 = sync(r2.path, requests_db)
    assert res2.new == 1 and res2.branches == 1


def test_not_a_repository(requests_db: str, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(InputError, match="not a git repository"):
        sync(plain, requests_db)
    with pytest.raises(InputError, match="does not exist"):
        sync(tmp_path / "missing", requests_db)
    assert count(requests_db, Repository) == 0  # nothing half-written


def test_bad_branch_pattern(requests_db: str, oa_repo: GitRepo) -> None:
    _register(requests_db, oa_repo.path, branches=["release/*"])
    with pytest.raises(InputError, match="no branch matches"):
        sync(oa_repo.path, requests_db)
    assert count(requests_db, Commit) == 0


def test_branch_patterns_limit_what_is_followed(requests_db: str, oa_repo: GitRepo) -> None:
    _register(requests_db, oa_repo.path, branches=["main"])
    res = sync(oa_repo.path, requests_db)
    assert res.branches == 1 and res.new == 7  # not the feature/report commit


def test_time_tokens() -> None:
    got = [
        (h, t)
        for _p, h, t in gitsync.parse_time_tokens(
            "a @2h b @1h30m c @45m d @1.5 e mail@2h.com f @25h g @1h75m h (@0.5)"
        )
    ]
    assert got == [
        (Decimal("2.00"), "@2h"),
        (Decimal("1.50"), "@1h30m"),
        (Decimal("0.75"), "@45m"),
        (Decimal("1.50"), "@1.5"),
        (Decimal("0.50"), "@0.5"),
    ]


def test_cli_sync_and_repo_add(requests_db: str, oa_repo: GitRepo, cli) -> None:
    code, out, err = cli("repo", "add", str(oa_repo.path), "--client", "DEMO", "--json")
    assert code == 0, err
    assert json.loads(out)["name"] == "oa"
    code, out, err = cli("sync", "--repo", str(oa_repo.path), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["repositories"][0]["new"] == 8
    assert data["totals"]["linked"] >= 8
    code, out, err = cli("sync", "--repo", str(oa_repo.path.parent / "nope"))
    assert code == 2 and "does not exist" in err
    code, out, err = cli("progress", "CR-2026-0001", "--json")
    assert code == 0, err
    assert json.loads(out)["commits"] == 3
    code, out, err = cli("status", "CR-2026-0001", "--json")
    assert code == 0, err
    git = json.loads(out)["git"]
    assert git["commits"] == 3 and git["hours_logged"] == "3.50"
    assert git["authors"] == "张三 (2c/2d), Li Si (1c/1d)"  # the person's name
    code, out, err = cli("repo", "list", "--json")
    assert code == 0 and json.loads(out)[0]["commits"] == 8


@pytest.mark.prefect
def test_sync_flow_publishes_progress(prefect_server: str, requests_db: str, oa_repo: GitRepo):
    from changeflow.flows.sync import SyncInput
    from changeflow.flows.sync import sync as sync_flow
    from tests.support.prefect import read_artifacts

    state = sync_flow(params=SyncInput(repo=str(oa_repo.path)), return_state=True)
    assert state.is_completed(), state.message
    out = state.result()
    assert out["totals"]["new"] == 8
    assert {p["key"] for p in out["progress"]} >= {"CR-2026-0001", "CR-2026-0002"}
    arts = {a.key: a for a in read_artifacts(state.state_details.flow_run_id)}
    assert "CR-2026-0001" in arts["git-sync"].data
    table = json.loads(arts["git-progress"].data)
    assert any(r["需求 Request"] == "CR-2026-0001" and r["工时 Hours"] == "3.50" for r in table)
    # bad input: a failed run with the clear message, nothing written
    bad = sync_flow(params=SyncInput(repo=str(oa_repo.path.parent / "nope")), return_state=True)
    assert bad.is_failed() and not bad.is_crashed()
    assert "does not exist" in str(bad.result(raise_on_failure=False))


def test_merged_and_deleted_cr_branch_still_links(requests_db: str, tmp_path: Path) -> None:
    r = GitRepo(tmp_path / "merged")
    r.commit("base", {"a.txt": "a\n"}, when="2026-03-01T09:00:00+08:00")
    r.branch("cr/CR-2026-0003")
    r.commit("表单字段 @2h", {"f.txt": "f\n"}, when="2026-03-02T09:00:00+08:00")
    r.checkout("main")
    r.commit("main work", {"m.txt": "m\n"}, when="2026-03-02T10:00:00+08:00")
    r.checkout("cr/CR-2026-0003")
    r.merge("main", "Merge branch 'main' into cr/CR-2026-0003", when="2026-03-03T09:00:00+08:00")
    r.commit("表单校验", {"f.txt": "f\ng\n"}, when="2026-03-03T10:00:00+08:00")
    r.checkout("main")
    r.merge("cr/CR-2026-0003", "Merge branch 'cr/CR-2026-0003'", when="2026-03-04T09:00:00+08:00")
    r.git("branch", "-q", "-D", "cr/CR-2026-0003")
    sync(r.path, requests_db)
    assert links_of(requests_db, "CR-2026-0003") == {
        "表单字段 @2h",
        "Merge branch 'main' into cr/CR-2026-0003",
        "表单校验",
        "Merge branch 'cr/CR-2026-0003'",
    }
    p = progress(requests_db, "CR-2026-0003")
    assert p["hours_logged"] == Decimal(2) and p["commits"] == 2 and p["merges"] == 2


def test_full_reread_links_requests_and_aliases_added_later(
    requests_db: str, tmp_path: Path
) -> None:
    r = GitRepo(tmp_path / "later")
    r.commit("CR-2026-0099 预先开发 @2h", {"a.txt": "a\n"}, author=("赵六", "zl@home.example"))
    first = sync(r.path, requests_db)
    assert (first.new, first.linked, first.time_entries) == (1, 0, 1)
    with transaction(requests_db) as s:  # the request and the alias come later
        client = s.scalar(select(Client))
        s.add(
            Request(key="CR-2026-0099", year=2026, seq=99, kind="dev", client_id=client.id,
                    title="后补", state="in_development", attachments=[], contact={})
        )  # fmt: skip
        repo = s.scalar(select(Repository))
        repo.aliases = {"zl@home.example": "zhaoliu@corp.cn"}
    assert sync(r.path, requests_db).linked == 0  # incremental: nothing new to read
    again = sync(r.path, requests_db, full=True)
    assert (again.new, again.linked, again.time_entries) == (0, 1, 0)
    p = progress(requests_db, "CR-2026-0099")
    assert p["hours_logged"] == Decimal(2)  # the existing entry got the request
    assert [a["identity"] for a in p["authors"]] == ["zhaoliu@corp.cn"]
    assert sync(r.path, requests_db, full=True).linked == 0  # idempotent


def test_url_repository_is_mirrored_and_fetched(requests_db: str, tmp_path: Path, cf_home) -> None:
    src = GitRepo(tmp_path / "upstream")
    src.commit("CR-2026-0001 one", {"a.txt": "a\n"})
    url = f"file://{src.path}"
    with transaction(requests_db) as s:
        repo = gitsync.add_repository(s, url, name="upstream")
        assert repo.is_remote
    first = sync("upstream", requests_db)
    assert first.new == 1
    assert Path(first.path).is_relative_to(cf_home / "repos")  # the mirror in our home
    src.commit("CR-2026-0001 two @1h", {"a.txt": "b\n"})
    second = sync(url, requests_db)
    assert (second.new, second.time_entries) == (1, 1)
    with transaction(requests_db) as s:
        bad = gitsync.add_repository(s, f"file://{tmp_path}/nowhere", name="gone")
        assert bad.is_remote
    with pytest.raises(InputError, match="nowhere"):
        sync("gone", requests_db)
