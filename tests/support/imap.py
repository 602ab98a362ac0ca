"""A real IMAP server (Debian's dovecot) on loopback with a throwaway user and maildir in a
temporary folder, run as the current user; skipped with the reason where dovecot is missing."""

from __future__ import annotations

import getpass
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.smtp import free_port

DOVECOT = "/usr/sbin/dovecot"


@dataclass
class Imap:
    host: str
    port: int
    user: str
    password: str
    root: Path
    process: subprocess.Popen
    maildir_root: Path
    run_dir: Path | None = None  # dovecot's sockets, in a short folder of its own

    def env(self) -> dict[str, str]:
        """The settings a contractor sets for the project mailbox."""
        return {
            "CHANGEFLOW_IMAP_HOST": self.host,
            "CHANGEFLOW_IMAP_PORT": str(self.port),
            "CHANGEFLOW_IMAP_SECURITY": "plain",
            "CHANGEFLOW_IMAP_USER": self.user,
            "CHANGEFLOW_IMAP_PASSWORD": self.password,
        }

    def mailbox(self):
        from imap_tools import MailBoxUnencrypted

        return MailBoxUnencrypted(self.host, self.port).login(self.user, self.password)

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        with self.mailbox() as box:
            box.append(raw, folder, dt=None, flag_set=())

    def uids(self, folder: str = "INBOX") -> list[str]:
        with self.mailbox() as box:
            if not box.folder.exists(folder):
                return []
            box.folder.set(folder)
            return list(box.uids())

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        if self.maildir_root != self.root / "home":
            shutil.rmtree(self.maildir_root, ignore_errors=True)
        if self.run_dir is not None:
            shutil.rmtree(self.run_dir, ignore_errors=True)


CONF = """\
base_dir = {run}
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_login_user = {login}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={homes}/%u
}}
mail_location = maildir:{homes}/%u/Maildir
mail_uid = {uid}
mail_gid = {gid}
first_valid_uid = 0
first_valid_gid = 0
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  user = {login}
  chroot =
}}
service anvil {{
  chroot =
}}
service auth {{
  user = {me}
}}
service auth-worker {{
  user = {me}
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
"""


def start_imap(
    root: Path, user: str = "project@contractor.example", password: str = "s3cret-imap"
) -> Imap:
    if not Path(DOVECOT).exists():
        pytest.skip(
            "dovecot is not installed (apt-get install -y --no-install-recommends dovecot-imapd):"
            " the mailbox tests need a real IMAP server"
        )
    root.mkdir(parents=True, exist_ok=True)
    for sub in ("state", "home"):
        (root / sub).mkdir(exist_ok=True)
    # dovecot's unix sockets (base_dir/token-login/imap-urlauth ...) must fit in 108 bytes:
    # not under pytest's folder, which an xdist worker makes longer (.../popen-gw0/...)
    run = Path(tempfile.mkdtemp(prefix="cf-dovecot-"))
    os.chmod(run, 0o755)  # its unprivileged login processes reach the sockets
    (root / "users").write_text(f"{user}:{{PLAIN}}{password}\n", encoding="utf-8")
    port = free_port()

    me = getpass.getuser()
    login = internal = me
    if os.getuid() == 0:  # dovecot runs its login and internal processes unprivileged
        import pwd

        def exists(name: str) -> bool:
            try:
                pwd.getpwnam(name)
                return True
            except KeyError:
                return False

        login = "dovenull" if exists("dovenull") else "nobody"
        internal = "dovecot" if exists("dovecot") else "nobody"
    uid, gid, homes = os.getuid(), os.getgid(), root / "home"
    if uid == 0:  # dovecot never gives mail to uid 0: the mail belongs to 'nobody', in a
        import pwd  # folder it can reach (pytest's temp root is private to root)

        nobody = pwd.getpwnam("nobody")
        uid, gid = nobody.pw_uid, nobody.pw_gid
        homes = Path(tempfile.mkdtemp(prefix="changeflow-imap-"))
        os.chown(homes, uid, gid)
    conf = root / "dovecot.conf"
    conf.write_text(
        CONF.format(
            root=root, run=run, me=me, login=login, internal=internal, uid=uid,
            gid=gid, port=port, homes=homes,
        ),
        encoding="utf-8",
    )  # fmt: skip
    proc = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    imap = Imap("127.0.0.1", port, user, password, root, proc, homes, run)
    deadline = time.monotonic() + 20
    while True:
        try:
            with imap.mailbox():
                return imap
        except Exception as exc:
            if proc.poll() is not None or time.monotonic() > deadline:
                err = proc.stderr.read().decode(errors="replace") if proc.poll() is not None else ""
                log = (
                    (root / "dovecot.log").read_text(errors="replace")
                    if (root / "dovecot.log").exists()
                    else ""
                )
                imap.stop()
                raise RuntimeError(f"dovecot did not start: {exc}\n{err}\n{log[-2000:]}") from None
            time.sleep(0.2)


def shutil_ok() -> bool:
    return shutil.which("doveadm") is not None
