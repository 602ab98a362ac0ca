"""What the client sees: the plan mail and the receipt of their reply, as received (from the
SMTP sink), rendered as a mail program shows them and photographed with headless Chromium
(docs/mail-plan.png, docs/mail-kept.png, docs/mail-receipt.png
with CHANGEFLOW_UPDATE_SCREENSHOTS=1)."""

from __future__ import annotations

import html
import json
import os
import shutil
from pathlib import Path

import pytest

from tests.support.approval import fill
from tests.support.mail import CLIENT, attachment, body_text, reply

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHANGEFLOW_CHROMIUM", "/usr/bin/chromium")
UPDATE_DOCS = os.environ.get("CHANGEFLOW_UPDATE_SCREENSHOTS") == "1"
pytestmark = pytest.mark.slow


def as_html(msg) -> str:
    """One received mail as a mail program lays it out: headers, attachments, the text."""
    rows = "".join(
        f"<tr><th>{h}</th><td>{html.escape(str(msg[h]))}</td></tr>"
        for h in ("From", "To", "Cc", "Reply-To", "Subject", "Date")
        if msg[h]
    )
    files = "".join(
        f"<span class='att'>附件 {html.escape(p.get_filename())}"
        f" <small>({len(p.get_content()) // 1024} KB)</small></span>"
        for p in msg.iter_attachments()
    )
    return f"""<!doctype html><meta charset="utf-8"><style>
body {{ font-family: 'Noto Sans CJK SC', 'Noto Sans', sans-serif; margin: 0; background: #eef1f5; }}
.mail {{ background: #fff; margin: 16px; border: 1px solid #ccd; border-radius: 6px; }}
table {{ border-collapse: collapse; margin: 12px 16px 4px; font-size: 14px; }}
th {{ text-align: right; color: #667; padding: 2px 10px 2px 0; font-weight: normal; }}
td {{ padding: 2px 0; }}
.atts {{ margin: 4px 16px 12px; }}
.att {{ display: inline-block; background: #f3f5f8; border: 1px solid #d5dae2;
        border-radius: 4px; padding: 4px 8px; margin-right: 8px; font-size: 13px; }}
pre {{ white-space: pre-wrap; font-family: inherit; font-size: 14px; line-height: 1.5;
       border-top: 1px solid #e3e6ea; margin: 0; padding: 12px 16px 16px; }}
</style><div class="mail"><table>{rows}</table><div class="atts">{files}</div>
<pre>{html.escape(body_text(msg))}</pre></div>"""


def test_what_the_client_sees(submitted, servers, cli, tmp_path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    key = submitted
    assert cli("plan", key, "--issue", "--send")[0] == 0
    (sent,) = servers.sent_to(CLIENT)
    name, data = attachment(sent)
    # the client forgot the file: the words are kept, forwarded to our lead, acknowledged
    servers.imap.append(reply(sent, [], body="同意，请开工。"))
    assert cli("mailbox")[0] == 0
    servers.imap.append(reply(sent, [(name, fill(data))]))
    code, out, _ = cli("mailbox", "--json")
    assert code == 0 and json.loads(out)["items"][0]["outcome"] == "decision"
    (kept,) = [m for m in servers.sent_to(CLIENT) if "已收到" in m["Subject"]]
    (receipt,) = [m for m in servers.sent_to(CLIENT) if "已登记" in m["Subject"]]
    folder = ROOT / "docs" if UPDATE_DOCS else tmp_path / "shots"
    folder.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_page(viewport={"width": 900, "height": 400}, device_scale_factor=1)
        for msg, file in (
            (sent, "mail-plan.png"),
            (kept, "mail-kept.png"),
            (receipt, "mail-receipt.png"),
        ):
            page.set_content(as_html(msg))
            page.screenshot(path=str(folder / file), full_page=True)
            assert (folder / file).stat().st_size > 10_000
        browser.close()
    if not UPDATE_DOCS:
        shutil.copy(folder / "mail-plan.png", tmp_path / "last-mail-plan.png")
