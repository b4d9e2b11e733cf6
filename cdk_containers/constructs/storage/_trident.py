"""NetApp Trident for FSx for ONTAP: the backend manifest, the controller's IAM and admin secrets."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import Acknowledgment, RemovalPolicy, Stack, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_fsx as fsx
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from cdk_containers._nag import HIPAA, NIST, acknowledge_rules, nag_arn

__all__ = [
    "ONTAP_NFS_PORTS",
    "TRIDENT_BACKEND_CRD",
    "TRIDENT_NAMESPACE",
    "TRIDENT_SERVICE_ACCOUNT",
    "trident_backend_manifest",
]

#: What NFS clients and Trident reach on the file system (FSx for ONTAP user guide, "File system
#: access control with Amazon VPC"): rpcbind, NFS, mountd, lockd, statd; docs/storage.md, "Ports".
ONTAP_NFS_PORTS = (111, 635, 2049, 4045, 4046)
#: The ONTAP REST API that Trident manages volumes through.
_ONTAP_MANAGEMENT_PORT = 443
TRIDENT_NAMESPACE = "trident"
TRIDENT_SERVICE_ACCOUNT = "trident-controller"


#: The CRD of `TridentBackendConfig`, which the Trident operator creates when it starts.
TRIDENT_BACKEND_CRD = "tridentbackendconfigs.trident.netapp.io"


def trident_backend_manifest(
    *, name: str, svm_name: str, file_system_id: str, credentials_secret_arn: str, region: str
) -> dict[str, Any]:
    """A `TridentBackendConfig` (ontap-nas) that finds the SVM through the FSx API.

    Trident reads the SVM admin's `username`/`password` from the Secrets Manager secret
    (`type: awsarn`), so no password is stored in Kubernetes.

    Args:
        name: Name of the object and of the Trident backend.
        svm_name: Name of the storage virtual machine.
        file_system_id: The FSx for ONTAP file system id (`fs-...`).
        credentials_secret_arn: ARN of the secret with the SVM admin's credentials.
        region: The file system's AWS Region (`aws.apiRegion`), where Trident calls the FSx API.

    Returns:
        The manifest as a plain dict.
    """
    return {
        "apiVersion": "trident.netapp.io/v1",
        "kind": "TridentBackendConfig",
        "metadata": {"name": name, "namespace": TRIDENT_NAMESPACE},
        "spec": {
            "version": 1,
            "storageDriverName": "ontap-nas",
            "backendName": name,
            "svm": svm_name,
            "aws": {"fsxFilesystemID": file_system_id, "apiRegion": region},
            "credentials": {"name": credentials_secret_arn, "type": "awsarn"},
        },
    }


def ontap_security_group(scope: Construct, vpc: ec2.IVpc, peer: ec2.ISecurityGroup) -> ec2.SecurityGroup:
    """The file system's security group: the ONTAP REST API and NFS from `peer` only, nothing out."""
    group = ec2.SecurityGroup(
        scope,
        "SecurityGroup",
        vpc=vpc,
        description="FSx for ONTAP: NFS and the ONTAP REST API from the EKS cluster security group only",
        allow_all_outbound=False,
    )
    group.add_ingress_rule(peer, ec2.Port.tcp(_ONTAP_MANAGEMENT_PORT), "ONTAP REST API for Trident")
    for port in ONTAP_NFS_PORTS:
        group.add_ingress_rule(peer, ec2.Port.tcp(port), f"NFS (TCP {port})")
        group.add_ingress_rule(peer, ec2.Port.udp(port), f"NFS (UDP {port})")
    return group


def password_secret(
    scope: Construct,
    construct_id: str,
    *,
    username: str,
    what: str,
    removal_policy: RemovalPolicy,
    encryption_key: kms.IKey | None,
) -> secretsmanager.Secret:
    """A generated ONTAP administrator password in Secrets Manager (JSON `username`/`password`)."""
    secret = secretsmanager.Secret(
        scope,
        construct_id,
        description=f"FSx for ONTAP {what} administrator ({username})",
        generate_secret_string=secretsmanager.SecretStringGenerator(
            secret_string_template=json.dumps({"username": username}),
            generate_string_key="password",
            # ONTAP refuses some punctuation; letters and digits of this length are strong.
            exclude_punctuation=True,
            require_each_included_type=True,
            password_length=32,
        ),
        removal_policy=removal_policy,
        encryption_key=encryption_key,
    )
    rotation = (
        "No AWS rotation function exists for FSx for ONTAP admin passwords: rotating only "
        "the secret would lock Trident out of the SVM; change the password through FSx "
        "(UpdateStorageVirtualMachine / UpdateFileSystem) and the secret together"
    )
    Validations.of(secret).acknowledge(Acknowledgment(id="AwsSolutions-SMG4", reason=rotation))
    acknowledge_rules(secret, rotation, "SecretsManagerRotationEnabled", packs=(NIST, HIPAA))
    return secret


def trident_policy(
    scope: Construct,
    construct_id: str,
    *,
    role: iam.IRole,
    file_system: fsx.CfnFileSystem,
    svm: fsx.CfnStorageVirtualMachine,
    svm_secret: secretsmanager.ISecret,
    secrets_key: kms.IKey | None,
) -> iam.ManagedPolicy:
    """Trident's customer-managed policy: FSx volume calls on one file system and its SVM, and
    the SVM admin secret."""
    stack = Stack.of(scope)
    fs_id = file_system.ref

    def arn(kind: str, name: str) -> str:
        return stack.format_arn(service="fsx", resource=kind, resource_name=name)

    statements = [
        iam.PolicyStatement(
            actions=["fsx:DescribeFileSystems", "fsx:DescribeStorageVirtualMachines", "fsx:DescribeVolumes"],
            resources=["*"],
        ),
        iam.PolicyStatement(
            actions=[
                "fsx:CreateVolume",
                "fsx:UpdateVolume",
                "fsx:DeleteVolume",
                "fsx:RestoreVolumeFromSnapshot",
                "fsx:TagResource",
                "fsx:UntagResource",
            ],
            # The one SVM this construct creates (Trident provisions volumes on it; it creates no
            # SVMs), so its exact ARN and no wildcard.
            resources=[arn("file-system", fs_id), svm.attr_resource_arn, arn("volume", f"{fs_id}/*")],
        ),
        iam.PolicyStatement(actions=["secretsmanager:GetSecretValue"], resources=[svm_secret.secret_arn]),
    ]
    if secrets_key is not None:
        # A secret encrypted with a customer key needs kms:Decrypt, here through Secrets Manager only.
        statements.append(
            iam.PolicyStatement(
                actions=["kms:Decrypt"],
                resources=[secrets_key.key_arn],
                conditions={
                    "StringEquals": {"kms:ViaService": f"secretsmanager.{stack.region}.amazonaws.com"}
                },
            )
        )
    policy = iam.ManagedPolicy(
        scope,
        construct_id,
        description="NetApp Trident: FSx volumes on one file system and its SVM admin secret",
        statements=statements,
        roles=[role],
    )
    logical_ref = stack.get_logical_id(file_system)
    reasons = {
        "AwsSolutions-IAM5[Resource::*]": "fsx:DescribeFileSystems, DescribeStorageVirtualMachines and "
        "DescribeVolumes do not support resource-level permissions; they are read-only, and every write "
        "is scoped to this file system's ARNs",
        "AwsSolutions-IAM5[Resource::"
        + nag_arn(policy, "fsx:{region}:{account}:volume/<" + logical_ref + ">/*")
        + "]": "Trident creates a volume per claim at run time, so the ARN ends "
        "in a wildcard, but it is scoped to the one file system this construct creates",
    }
    Validations.of(policy).acknowledge(
        *(Acknowledgment(id=rule, reason=reason) for rule, reason in reasons.items())
    )
    return policy
