"""Who may call `relay serve`: the identities file is checked whole at start, with one line
naming what is wrong, and the service will not start without the workers' approval secret."""

import json
from pathlib import Path

import pytest

from relay.service.identities import IdentitiesError, load_identities, token_hash
from tests.cli_runner import relay_cli

FIONA = {"name": "fiona", "roles": ["approver"], "token_sha256": token_hash("fiona-token")}


def written(tmp_path: Path, body: object) -> Path:
    path = tmp_path / "people.json"
    path.write_text(json.dumps(body))
    return path


def test_a_token_finds_its_person_and_nothing_else(tmp_path: Path) -> None:
    identities = load_identities(written(tmp_path, {"people": [FIONA]}))
    person = identities.person_with("fiona-token")
    assert person is not None and person.name == "fiona" and person.may("approver")
    assert not person.may("requester")
    assert identities.person_with("fiona-token ") is None
    assert identities.person_with(token_hash("fiona-token")) is None  # the hash is no token


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"people": []}, "people: List should have at least 1 item"),
        ({"people": [{**FIONA, "roles": ["root"]}]}, "people.0.roles.0: Input should be"),
        ({"people": [{**FIONA, "token_sha256": "abc"}]}, "people.0.token_sha256: String should"),
        ({"people": [FIONA, FIONA]}, "names a person twice"),
    ],
)
def test_a_bad_identities_file_is_one_line(tmp_path: Path, body: object, message: str) -> None:
    with pytest.raises(IdentitiesError) as err:
        load_identities(written(tmp_path, body))
    assert message in str(err.value) and "\n" not in str(err.value)


async def test_serve_needs_identities_and_the_approval_secret(tmp_path: Path) -> None:
    people = written(tmp_path, {"people": [FIONA]})
    missing = await relay_cli("serve", env={"RELAY_IDENTITIES": ""})
    assert missing.code == 1
    assert (
        missing.err.strip()
        == "relay: error: relay serve needs an identities file: --identities FILE"
    )
    unsigned = await relay_cli(
        "serve", "--identities", str(people), env={"RELAY_APPROVAL_SECRET": ""}
    )
    assert unsigned.code == 1
    assert "set RELAY_APPROVAL_SECRET" in unsigned.err
    hashed = await relay_cli("serve", "--hash-token", "fiona-token")
    assert hashed.code == 0 and hashed.out.strip() == FIONA["token_sha256"]
