"""How the staff see a contact in every list: a call from a hidden number has no name, phone or email."""

from storage.models import Contact


def test_label_falls_back_from_name_to_phone_email_and_number() -> None:
    assert Contact(id=3, display_name="Ирина", phone="+79161234567").label() == "Ирина"
    assert Contact(id=3, phone="+79161234567", email="i@r.example").label() == "+79161234567"
    assert Contact(id=3, email="i@r.example").label() == "i@r.example"
    assert Contact(id=3).label() == "#3"  # the demo's report printed "контакт: None"
