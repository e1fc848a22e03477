"""Worker Deployment versioning: safe rollouts of new worker builds.

A worker that names a deployment and a build id (RELAY_DEPLOYMENT_NAME, RELAY_BUILD_ID, or
`relay worker --deployment-name --build-id`) is one version of that deployment. Runs are pinned:
a goal (its supervisor, its agents on the same deployment, their activities) runs to the end on
the build it started on, so a new build may change agents, prompts and workflow code freely.
New goals go to the deployment's current version, which an operator sets
(`temporal worker deployment set-current-version`); see the README's rollout procedure.
"""

from temporalio.common import VersioningBehavior, WorkerDeploymentVersion
from temporalio.worker import WorkerDeploymentConfig

from relay.settings import Settings


def deployment_config(settings: Settings) -> WorkerDeploymentConfig | None:
    """The worker's versioning options; None for an unversioned worker (the default)."""
    if settings.deployment_name is None or settings.build_id is None:
        return None
    return WorkerDeploymentConfig(
        version=WorkerDeploymentVersion(
            deployment_name=settings.deployment_name, build_id=settings.build_id
        ),
        use_worker_versioning=True,
        default_versioning_behavior=VersioningBehavior.PINNED,
    )


def describe_version(settings: Settings) -> str:
    """For a worker's start line."""
    if settings.deployment_name is None:
        return "unversioned"
    return f"deployment {settings.deployment_name!r} build {settings.build_id!r} (runs pinned)"
