"""relay connects like every Temporal tool: Temporal's environment configuration, here mutual
TLS through a TLS endpoint in front of the test server; a wrong setting is one line naming it."""

from pathlib import Path

from relay.temporal.devserver import DevServer, free_port
from tests.cli_runner import relay_cli
from tests.conftest import relay_settings
from tests.tls_proxy import make_pki, tls_proxy
from tests.worker_process import worker_process


def one_line(err: str) -> bool:
    return err.count("\n") == 1 and err.startswith("relay: error: ")


async def test_worker_and_cli_connect_with_mutual_tls(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    pki = make_pki(tmp_path)
    settings = relay_settings(temporal_server, tmp_path)
    async with tls_proxy(pki, temporal_server.address, free_port()) as address:
        tls = {
            "TEMPORAL_ADDRESS": address,
            "TEMPORAL_TLS_SERVER_NAME": "localhost",
            "TEMPORAL_TLS_SERVER_CA_CERT_PATH": str(pki.ca),
            "TEMPORAL_TLS_CLIENT_CERT_PATH": str(pki.client_cert),
            "TEMPORAL_TLS_CLIENT_KEY_PATH": str(pki.client_key),
            "RELAY_TASK_QUEUE": settings.task_queue,
        }
        async with worker_process(settings, tmp_path / "worker.log", **tls):
            run = await relay_cli(
                "run", "What did I order last?", "--customer", "C-1001", "--wait", env=tls
            )
        assert run.code == 0, run.err + (tmp_path / "worker.log").read_text()[-2000:]
        assert "status: completed" in run.out and "O-5002" in run.out
        assert f"at {address}," in (tmp_path / "worker.log").read_text()  # through TLS too

        wrong_ca = await relay_cli(
            "status", "anything", env=tls | {"TEMPORAL_TLS_SERVER_CA_CERT_PATH": str(pki.other_ca)}
        )
        assert wrong_ca.code == 1 and one_line(wrong_ca.err), wrong_ca.err
        assert "check TEMPORAL_TLS_SERVER_CA_CERT_PATH" in wrong_ca.err

        missing_key = await relay_cli(
            "status", "anything", env=tls | {"TEMPORAL_TLS_CLIENT_KEY_PATH": str(tmp_path / "x")}
        )
        assert missing_key.code == 1 and one_line(missing_key.err)
        assert "TEMPORAL_TLS_CLIENT_KEY_PATH (tls.client_key): no readable file" in missing_key.err

        # Plain gRPC to a TLS endpoint, and TLS without the client certificate, fail too.
        for env in (
            {"TEMPORAL_ADDRESS": address},
            {k: v for k, v in tls.items() if "CLIENT" not in k},
        ):
            refused = await relay_cli("status", "anything", env=env)
            assert refused.code == 1 and one_line(refused.err), refused.err


async def test_a_profile_file_names_the_server(temporal_server: DevServer, tmp_path: Path) -> None:
    profile = tmp_path / "temporal.toml"
    profile.write_text(f'[profile.staging]\naddress = "{temporal_server.address}"\n')
    env = {"TEMPORAL_CONFIG_FILE": str(profile), "TEMPORAL_PROFILE": "staging"}
    status = await relay_cli("status", "no-such-goal", env=env)
    # It reached the server named by the profile: the goal is what is missing.
    assert status.err == (
        "relay: error: no workflow with id 'no-such-goal', and no chain of events by that id\n"
    )
    unknown = await relay_cli("status", "x", env=env | {"TEMPORAL_PROFILE": "prod"})
    assert unknown.code == 1 and "TEMPORAL_PROFILE" in unknown.err and one_line(unknown.err)
