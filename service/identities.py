"""Who is calling: bearer tokens mapped to a person and roles, from a JSON file.

    {"people": [{"name": "fiona", "roles": ["approver"], "token_sha256": "<hex>"}]}

Only a token's SHA-256 is stored (`relay serve --hash-token` prints it), so the file is not a
secret. Roles: `requester` starts goals and cancels their own, `approver` lists and decides
approvals (the workflow's approval policy still decides which), `admin` does both and cancels
any goal. Everyone signed in may read goals.
"""

import hashlib
import hmac
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

Role = Literal["requester", "approver", "admin"]


class Person(BaseModel):
    name: str = Field(min_length=1, max_length=200, pattern=r"^[^\s:][^\n]*$")
    roles: list[Role] = Field(default_factory=list)
    token_sha256: str = Field(pattern=r"^[0-9a-f]{64}$", repr=False)

    def may(self, role: Role) -> bool:
        return role in self.roles or "admin" in self.roles


class Identities(BaseModel):
    people: list[Person] = Field(min_length=1)

    def person_with(self, token: str) -> Person | None:
        digest = token_hash(token)
        # Compare every entry in constant time: timing says nothing about which token is close.
        found = [p for p in self.people if hmac.compare_digest(p.token_sha256, digest)]
        return found[0] if found else None


class IdentitiesError(ValueError):
    """The identities file cannot be used; one line."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def load_identities(path: Path) -> Identities:
    try:
        identities = Identities.model_validate_json(path.read_bytes())
    except OSError as err:
        raise IdentitiesError(f"cannot read identities file {path}: {err.strerror}") from None
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise IdentitiesError(f"identities file {path}: {where}: {first['msg']}") from None
    names = [p.name for p in identities.people]
    if len(set(names)) != len(names):
        raise IdentitiesError(f"identities file {path} names a person twice")
    return identities
