"""The demo's world: a Slack workspace and a Questetra tenant with people, apps and tasks.

Three people, each in both systems with one e-mail (the bridge links only matching e-mails):
佐藤 花子 (Japanese Slack locale, Tokyo), Alex Morgan (English, New York) and Dana Kim (English,
London, a Slack workspace admin, so ``/questetra admin`` works for her). Three Questetra apps
with task forms (text, numbers, choices, dates, people), tasks allocated to and offered to each
person, and two Message Start Events registered with the bridge (``/questetra start``).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from cryptography.fernet import Fernet

from bot.slack.app import BOT_SCOPES
from tests.emulators.questetra import EmulatorState, Field
from tests.emulators.slack import FakeSlack

TEAM_ID = "T0DEMO01"
GENERAL = "C01GENERAL"
APPROVALS = "C02APPROVALS"
EXPENSE_APP, LEAVE_APP, PURCHASE_APP = 101, 102, 103
# The step and the buttons (the task's own choices) of a task made in the Questetra panel, per
# app: the Japanese app's tasks ask 承認 or 差し戻し, as its seeded task does.
PANEL_STEPS: dict[int, tuple[str, tuple[str, ...]]] = {
    EXPENSE_APP: ("Approve", ("Approve", "Reject")),
    LEAVE_APP: ("承認", ("承認", "差し戻し")),
    PURCHASE_APP: ("Approve", ("Approve", "Reject")),
}
DEFAULT_STEP = ("Approve", ("Approve", "Reject"))


def panel_data(app_id: int, today: date) -> dict[str, object]:
    """What an applicant entered, for a task made in the Questetra panel: its form is complete,
    so the task's own buttons save at once (after Slack's confirm), and Process… shows values."""
    if app_id == LEAVE_APP:
        first = today + timedelta(days=14)
        return {
            "kind": "paid",
            "first_day": first.isoformat(),
            "last_day": (first + timedelta(days=2)).isoformat(),
        }
    if app_id == EXPENSE_APP:
        return {"subject": "Taxi", "amount": 3200, "kind": "travel"}
    if app_id == PURCHASE_APP:
        return {"item": "Monitor 27-inch", "quantity": 1}
    return {}


START_NODE = 1


@dataclass(frozen=True)
class Person:
    slack_id: str
    email: str
    name: str
    slack_name: str
    locale: str
    tz: str
    group: str
    is_admin: bool = False


PEOPLE = (
    Person(
        "U01HANAKO", "hanako@example.jp", "佐藤 花子", "hanako", "ja-JP", "Asia/Tokyo", "営業部"
    ),
    Person(
        "U02ALEX", "alex@example.com", "Alex Morgan", "alex", "en-US", "America/New_York", "Sales"
    ),
    Person(
        "U03DANA",
        "dana@example.com",
        "Dana Kim",
        "dana",
        "en-GB",
        "Europe/London",
        "Finance",
        is_admin=True,
    ),
)
HANAKO, ALEX, DANA = PEOPLE


@dataclass(frozen=True)
class Keys:
    """Every secret of one demo run, generated once (kept in ``--data DIR`` between runs)."""

    signing_secret: str
    bot_token: str
    encryption_key: str
    client_id: str
    client_secret: str
    expense_key: str
    leave_key: str

    @classmethod
    def generate(cls) -> Keys:
        return cls(
            signing_secret=secrets.token_hex(16),
            bot_token=f"xoxb-demo-{secrets.token_hex(12)}",
            encryption_key=Fernet.generate_key().decode(),
            client_id="slack-bridge-demo",
            client_secret=secrets.token_urlsafe(24),
            expense_key=secrets.token_hex(16),
            leave_key=secrets.token_hex(16),
        )

    @classmethod
    def load_or_create(cls, path: Path) -> Keys:
        if path.is_file():
            return cls(**json.loads(path.read_text(encoding="utf-8")))
        keys = cls.generate()
        path.write_text(json.dumps(asdict(keys)), encoding="utf-8")
        path.chmod(0o600)
        return keys


def slack_workspace(keys: Keys) -> FakeSlack:
    slack = FakeSlack(
        bot_token=keys.bot_token,
        team_id=TEAM_ID,
        team_name="Acme 株式会社",
        team_domain="acme-demo",
        scopes=BOT_SCOPES,
    )
    slack.strict_channels = True
    for person in PEOPLE:
        slack.add_user(
            person.slack_id,
            email=person.email,
            name=person.slack_name,
            real_name=person.name,
            display_name=person.name.split()[0] if person.locale != "ja-JP" else person.name,
            locale=person.locale,
            tz=person.tz,
            is_admin=person.is_admin,
        )
    slack.add_channel(GENERAL, name="general")
    slack.add_channel(APPROVALS, name="approvals")
    return slack


def _apps(state: EmulatorState) -> None:
    state.add_app(
        EXPENSE_APP,
        "Expense Request",
        category="Finance",
        short_explanation="Claim travel and other expenses",
        managers=[DANA.email],
        fields=[
            Field("subject", "Subject", "STRING", 0, required=True),
            Field("amount", "Amount (JPY)", "DECIMAL", 1, required=True),
            Field(
                "kind",
                "Kind",
                "SELECT",
                2,
                choices={"travel": "Travel", "books": "Books", "meal": "Meal"},
            ),
            Field("paid_on", "Paid on", "DATE", 3),
            Field("approver", "Approver", "QUSER", 4),
            Field("note", "Note", "STRING_TEXTAREA", 5),
            Field("applicant", "Applicant", "QUSER", 6),
        ],
    )
    state.add_app(
        LEAVE_APP,
        "休暇申請",
        category="人事",
        short_explanation="有給休暇・夏季休暇の申請",
        managers=[HANAKO.email],
        fields=[
            Field(
                "kind",
                "種類",
                "SELECT",
                0,
                required=True,
                choices={"paid": "年次有給休暇", "summer": "夏季休暇", "other": "その他"},
            ),
            Field("first_day", "開始日", "DATE", 1, required=True),
            Field("last_day", "終了日", "DATE", 2, required=True),
            Field("reason", "理由", "STRING_TEXTAREA", 3),
            Field(
                "tags",
                "連絡事項",
                "SELECT_MULTI",
                4,
                choices={"handover": "引き継ぎ済み", "phone": "電話可", "none": "連絡不可"},
            ),
        ],
    )
    state.add_app(
        PURCHASE_APP,
        "Purchase Order",
        category="Operations",
        short_explanation="Order equipment and supplies",
        managers=[ALEX.email],
        fields=[
            Field("item", "Item", "STRING", 0, required=True),
            Field("quantity", "Quantity", "DECIMAL", 1, required=True),
            Field("needed_by", "Needed by", "DATETIME", 2),
            Field("requester", "Requester", "QUSER", 3),
        ],
    )


def questetra_tenant(keys: Keys, redirect_uri: str) -> EmulatorState:
    """A fresh tenant with the demo's users, apps, start events and tasks."""
    state = EmulatorState()
    seed_questetra(state, keys, redirect_uri)
    return state


def seed_questetra(state: EmulatorState, keys: Keys, redirect_uri: str) -> None:
    state.basic_auth_enabled = True
    for person in PEOPLE:
        state.add_user(person.email, person.name, group=person.group)
    state.add_client(keys.client_id, keys.client_secret, redirect_uri, name="Slack bridge (demo)")
    _apps(state)
    state.add_human_start_event(EXPENSE_APP, 0, name="Apply")
    state.add_start_event(EXPENSE_APP, START_NODE + 10, key=keys.expense_key, name="From Slack")
    state.add_human_start_event(LEAVE_APP, 0, name="申請")
    state.add_start_event(LEAVE_APP, START_NODE + 10, key=keys.leave_key, name="Slackから")
    seed_tasks(state)
    state.sign_in(HANAKO.email)


# The seeded tasks were waiting before anyone linked: they are the baseline of a first link, not
# news (a link announces only tasks listed after it, less 2 minutes of clock skew).
SEEDED_AGO = timedelta(minutes=10)


def seed_tasks(state: EmulatorState) -> None:
    """Tasks allocated to and offered to each person (listed ten minutes ago)."""
    now = state.clock.now()
    state.clock.advance(-SEEDED_AGO.total_seconds())
    try:
        _seed_tasks(state, now)
    finally:
        state.clock.advance(SEEDED_AGO.total_seconds())


def _seed_tasks(state: EmulatorState, now: datetime) -> None:
    state.add_task(
        EXPENSE_APP,
        to=HANAKO.email,
        state="ALLOCATED",
        node_name="上長承認",
        title="大阪出張 新幹線代",
        deadline=now + timedelta(days=2),
        data={"subject": "大阪出張", "amount": 27940, "kind": "travel", "approver": HANAKO.email},
        starter=ALEX.email,
        flows=("承認", "差し戻し"),
    )
    state.add_task(
        EXPENSE_APP,
        to=[HANAKO.email, ALEX.email],
        node_name="Check receipt",
        title="Books for the study group",
        data={"subject": "Study group books", "amount": 4800, "kind": "books"},
        starter=DANA.email,
        flows=("Approve", "Reject"),
    )
    state.add_task(
        LEAVE_APP,
        to=ALEX.email,
        state="ALLOCATED",
        node_name="承認",
        title="夏季休暇 8/12–8/16",
        deadline=now + timedelta(hours=20),
        data={
            "kind": "summer",
            "first_day": "2026-08-12",
            "last_day": "2026-08-16",
            "reason": "帰省",
        },
        starter=HANAKO.email,
        flows=("承認", "却下"),
    )
    state.add_task(
        PURCHASE_APP,
        to=[ALEX.email, DANA.email],
        node_name="Approve order",
        title="Laptop for the new hire",
        data={"item": "Laptop 14-inch", "quantity": 1, "requester": ALEX.email},
        starter=ALEX.email,
        flows=("Approve", "Reject"),
    )
    state.add_task(
        EXPENSE_APP,
        to=DANA.email,
        state="ALLOCATED",
        node_name="Pay out",
        title="Taxi to the airport",
        deadline=now - timedelta(hours=3),
        data={"subject": "Taxi", "amount": 8200, "kind": "travel"},
        starter=ALEX.email,
        flows=("Paid",),
    )


START_EVENTS_YAML = """\
start_events:
  - name: expense
    title: {{en: Expense claim, ja: 経費精算}}
    description: {{en: "Claim travel, books and meals.", ja: 出張費・書籍代・食費を申請します。}}
    app_id: {expense_app}
    node_number: {node}
    key_env: DEMO_EXPENSE_START_KEY
    requester_field: applicant
    fields:
      - {{name: subject, label: {{en: Subject, ja: 件名}}, type: string, required: true}}
      - {{name: amount, label: {{en: Amount (JPY), ja: 金額（円）}}, type: number, min: 1, decimal: false, required: true}}
      - name: kind
        label: {{en: Kind, ja: 種類}}
        type: select
        choices: [{{id: travel, label: {{en: Travel, ja: 交通費}}}}, {{id: books, label: {{en: Books, ja: 書籍}}}}, {{id: meal, label: {{en: Meal, ja: 食費}}}}]
        default: travel
      - {{name: paid_on, label: {{en: Paid on, ja: 支払日}}, type: date, default: today}}
      - {{name: note, label: {{en: Note, ja: 備考}}, type: textarea, hint: {{en: Anything the approver should know, ja: 承認者への連絡事項}}}}
  - name: leave
    title: {{en: Leave request, ja: 休暇申請}}
    description: {{en: Paid or summer leave., ja: 有給休暇・夏季休暇を申請します。}}
    app_id: {leave_app}
    node_number: {node}
    key_env: DEMO_LEAVE_START_KEY
    visibility: in_channel
    fields:
      - name: kind
        label: {{en: Kind, ja: 種類}}
        type: select
        required: true
        choices: [{{id: paid, label: {{en: Paid leave, ja: 年次有給休暇}}}}, {{id: summer, label: {{en: Summer leave, ja: 夏季休暇}}}}, {{id: other, label: {{en: Other, ja: その他}}}}]
      - {{name: first_day, label: {{en: First day, ja: 開始日}}, type: date, required: true}}
      - {{name: last_day, label: {{en: Last day, ja: 終了日}}, type: date, required: true}}
      - name: tags
        label: {{en: Notes, ja: 連絡事項}}
        type: select
        multiple: true
        choices: [{{id: handover, label: {{en: Handed over, ja: 引き継ぎ済み}}}}, {{id: phone, label: {{en: Reachable by phone, ja: 電話可}}}}, {{id: none, label: {{en: Not reachable, ja: 連絡不可}}}}]
      - {{name: reason, label: {{en: Reason, ja: 理由}}, type: textarea}}
"""


def start_events_yaml() -> str:
    return START_EVENTS_YAML.format(
        expense_app=EXPENSE_APP, leave_app=LEAVE_APP, node=START_NODE + 10
    )


def start_event_environ(keys: Keys) -> dict[str, str]:
    """The variables the start events file names with ``key_env``."""
    return {"DEMO_EXPENSE_START_KEY": keys.expense_key, "DEMO_LEAVE_START_KEY": keys.leave_key}
