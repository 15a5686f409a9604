"""The 登録票 of a registered credential: assembled from the projection and the ledger
entry that registered it, rendered by documents/enrolment.py, written atomically."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from handover.errors import lifted
from handover.files import make_output_dir
from handover.model.journal import Journal


def write_enrolment_form(journal: Journal, credential_id: str, pdf_dir: Path) -> Path:
    from handover.documents import write_pdf
    from handover.documents.enrolment import EnrolmentForm, render_enrolment_form
    make_output_dir(pdf_dir, "登録票")
    with journal.reading() as st:
        c = st.credential(credential_id)
        person = st.person(c.person_id)
        form = EnrolmentForm(person.name, person.person_id, st.name(person.org_id),
                             c.credential_id, c.kind, c.fingerprint,
                             dt.datetime.fromisoformat(c.registered_at), c.entry_index,
                             st.name(c.enrolled_by), c.enrolled_by, journal.log)
    with lifted():
        return write_pdf(Path(pdf_dir) / f"登録票_{person.person_id}_{credential_id}.pdf",
                         render_enrolment_form(form))
