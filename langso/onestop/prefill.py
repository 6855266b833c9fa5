"""What the platform already knows about an applicant, keyed as form schemas name it.

"3 không": the citizen does not declare twice what the registry holds. A schema field whose
``prefill`` names a known value is shown filled and read-only, and the server takes the
registry's value whatever the browser sends.
"""

from typing import Any

from langso.core.models import Commune, Household, Person, Relation


def person_values(person: Person | None) -> dict[str, Any]:
    if person is None:
        return {}
    values: dict[str, Any] = {
        "person.full_name": person.full_name,
        "person.date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth
        else "",
        "person.citizen_id": person.citizen_id or "",
        "person.sex": person.sex,
        "person.phone": person.phone,
        "person.email": person.email,
        "person.address": person.address or (
            f"{person.village}, {person.commune.name}" if person.village_id else ""),
    }
    household = _household(person)
    if household is not None:
        head = next((m.person for m in household.members.select_related("person")
                     if m.relation == Relation.HEAD), None)
        values["household.address"] = household.address
        values["household.head"] = head.full_name if head else ""
        values["person.address"] = values["person.address"] or household.address
    return {k: v for k, v in values.items() if v}


def values_for(*, person: Person | None, commune: Commune) -> dict[str, Any]:
    return {"commune.name": commune.name, **person_values(person)}


def locked_values(schema: list[dict[str, Any]], known: dict[str, Any]) -> dict[str, Any]:
    """Form values the registry decides: ``{field name: known value}``."""
    return {spec["name"]: known[spec["prefill"]] for spec in schema
            if spec.get("prefill") in known}


def _household(person: Person | None) -> Household | None:
    # The reverse one-to-one raises an AttributeError subclass when there is no membership.
    membership = getattr(person, "membership", None)
    return membership.household if membership is not None else None


def household_members(person: Person | None) -> list[Person]:
    """The applicant's household, for procedures that name family members."""
    household = _household(person)
    if household is None:
        return []
    return [m.person for m in household.members.select_related("person")]
