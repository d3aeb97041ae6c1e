"""«Кто закрыл заявку и когда?»: the request page words the request's audit rows — opened, assigned with the
reason, the form's changes with their values, the status with the client's date, the client's rating —
naming who did each (a member, okno, the assistant), in the reader's time."""

from __future__ import annotations

import pytest

from storage.models import Request
from storage.repos.audit import audit
from storage.repos.requests import record_rating
from storage.types import utcnow
from tests.web.conftest import Seeded, SignIn

pytestmark = pytest.mark.storage


def _history(page: str) -> list[str]:
    section = page.split('id="history"', 1)[1].split("</section>", 1)[0]
    return [
        " ".join(item.split("</span>", 1)[1].split("</li>", 1)[0].split())
        for item in section.split("<li>")[1:]
    ]


async def test_the_request_page_tells_who_did_what_and_when(seeded: Seeded, sign_in: SignIn) -> None:
    anna = await sign_in("anna@example.ru")
    page_url = f"/ui/requests/{seeded.own_request_id}"
    async with seeded.live.services.db.session() as session:
        request = await session.get(Request, seeded.own_request_id)
        assert request is not None
        what = request.what or ""
        await audit(
            session, actor_kind="system", action="request.assign", entity="request",
            entity_id=request.id, details={"assignee_id": seeded.manager_id, "reason": "responsible"},
        )  # fmt: skip
        await audit(
            session, actor_kind="assistant", action="request.fill", entity="request", entity_id=request.id,
            details={"fields": ["company_name"], "message_id": 1},
        )  # fmt: skip
        await session.commit()
    await anna.get(page_url)  # the page's form token
    form = {"company_name": "", "inn": "", "what": what, "assignee_id": str(seeded.manager_id)}
    form.update(due_at="2026-12-18", inn="7707083893")
    await anna.post(f"{page_url}/form", form)
    await anna.post(f"{page_url}/form", {**form, "status": "waiting_client", "waiting_until": "2026-12-21"})
    async with seeded.live.services.db.session() as session:
        request = await session.get(Request, seeded.own_request_id)
        assert request is not None
        request.status = "done"
        await record_rating(session, request=request, score=4, comment=None, at=utcnow())
        await session.commit()
    _, page = await anna.get(page_url)
    lines = _history(page)
    assert "okno: ответственный: Анна — ответственный менеджер клиента" in lines
    assert "Ассистент: ассистент заполнил: Компания" in lines
    [changed] = [line for line in lines if line.startswith("Анна: изменено:")]
    assert changed.startswith("Анна: изменено: ИНН → 7707083893; Срок → 18.12.2026 18:00; Клиент → ")
    assert "#" not in changed  # the client the INN named, by name
    assert "Анна: статус: Новый → Ждём клиента до 21.12.2026 18:00" in lines
    assert lines[0] == "okno: заявка открыта" and lines[-1] == "okno: оценка клиента: 4 из 5"


async def test_the_admin_reads_the_whole_log_by_member_and_kind_a_page_at_a_time(
    seeded: Seeded, sign_in: SignIn
) -> None:
    async with seeded.live.services.db.session() as session:
        for i in range(105):  # a busy day's assignments by Boris
            await audit(
                session, actor_kind="staff", actor_id=seeded.other_manager_id, action="request.assign",
                entity="request", entity_id=seeded.others_request_id, details={"assignee_id": i},
            )  # fmt: skip
        await audit(
            session, actor_kind="staff", actor_id=seeded.admin_id, action="staff.password", entity="staff",
            entity_id=seeded.manager_id,
        )  # fmt: skip
        await session.commit()
    galina = await sign_in("galina@example.ru")
    status, page = await galina.get("/ui/admin/audit")
    assert status == 200 and 'href="/ui/admin/audit"' in page
    table = page.split('id="audit"', 1)[1]
    assert table.count("<tr><td>") == 100 and "<code>staff.password</code>" in table.split("</tr>", 2)[1]
    assert "Галина" in table.split("</tr>", 2)[1] and 'id="audit-older"' in page
    _, by_boris = await galina.get(f"/ui/admin/audit?who={seeded.other_manager_id}&entity=request")
    rows = by_boris.split('id="audit"', 1)[1].split("<tr><td>")[1:]
    assert len(rows) == 100 and all("Борис" in r and "<code>request.assign</code>" in r for r in rows)
    assert (
        f'href="/ui/requests/{seeded.others_request_id}">request #{seeded.others_request_id}</a>' in rows[0]
    )
    older = by_boris.split('id="audit-older" ', 1)[0].rsplit('href="', 1)[1].split('"', 1)[0]
    _, rest = await galina.get(older.replace("&amp;", "&"))
    assert rest.split('id="audit"', 1)[1].count("<tr><td>") == 5 and 'id="audit-older"' not in rest
    _, staff_only = await galina.get("/ui/admin/audit?entity=staff")
    assert "<code>request.assign</code>" not in staff_only and "<code>staff.password</code>" in staff_only
    anna = await sign_in("anna@example.ru")
    assert (await anna.get("/ui/admin/audit"))[0] == 403
