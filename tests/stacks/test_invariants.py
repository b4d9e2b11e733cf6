"""Template-wide security invariants over every example stack.

Parametrized from ``build_example_app`` like the compliance gates, so a new
example stack is checked without new test code.
"""

from __future__ import annotations

import json
from typing import Any

from cdk_containers.testing import SynthResult

#: Resource types that hold data (or the key that decrypts it). Each must outlive its stack:
#: CloudFormation deletes a resource with no DeletionPolicy, so the policy must be present.
DATA_HOLDING_TYPES = frozenset(
    {
        "AWS::DynamoDB::Table",
        "AWS::EC2::Volume",
        "AWS::ECR::Repository",
        "AWS::EFS::FileSystem",
        "AWS::ElastiCache::CacheCluster",
        "AWS::ElastiCache::ReplicationGroup",
        "AWS::ElastiCache::ServerlessCache",
        "AWS::FSx::FileSystem",
        "AWS::FSx::StorageVirtualMachine",
        "AWS::FSx::Volume",
        "AWS::KMS::Key",
        "AWS::Logs::LogGroup",
        "AWS::RDS::DBCluster",
        "AWS::RDS::DBInstance",
        "AWS::S3::Bucket",
        "AWS::SecretsManager::Secret",
    }
)
KEEPING_POLICIES = frozenset({"Retain", "RetainExceptOnCreate", "Snapshot"})
ANYWHERE = frozenset({"0.0.0.0/0", "::/0"})

#: Service principals whose AssumeRole needs no confused-deputy condition, and why.
UNCONDITIONED_TRUST = {
    "ec2.amazonaws.com": "instance profiles: EC2 sends no source ARN, and the role is passed by iam:PassRole",
    "lambda.amazonaws.com": "Lambda execution roles: Lambda sends no source ARN to AssumeRole",
    "build.apprunner.amazonaws.com": "App Runner documents no aws:SourceArn/SourceAccount for its roles",
    "tasks.apprunner.amazonaws.com": "App Runner documents no aws:SourceArn/SourceAccount for its roles",
    "ecs.amazonaws.com": "ECS documents no aws:SourceArn/SourceAccount for the Express infrastructure role",
}


def _resources(example_synth: SynthResult, stack: str) -> dict[str, dict[str, Any]]:
    resources: dict[str, dict[str, Any]] = example_synth.template_json(stack)["Resources"]
    return resources


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_every_data_holding_resource_outlives_its_stack(
    example_synth: SynthResult, example_stack_name: str
) -> None:
    resources = _resources(example_synth, example_stack_name)
    held = {key: r for key, r in resources.items() if r["Type"] in DATA_HOLDING_TYPES}
    assert held, f"{example_stack_name}: no data-holding resource found; is the type list still right?"
    deleted = {
        key: (
            r["Type"],
            r.get("DeletionPolicy", "Delete (absent)"),
            r.get("UpdateReplacePolicy", "Delete (absent)"),
        )
        for key, r in held.items()
        if r.get("DeletionPolicy") not in KEEPING_POLICIES
        or r.get("UpdateReplacePolicy") not in KEEPING_POLICIES
    }
    assert deleted == {}, f"{example_stack_name}: data deleted with the stack or on replacement: {deleted}"


def _ingress_rules(resources: dict[str, dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    rules = [
        (key, r["Properties"])
        for key, r in resources.items()
        if r["Type"] == "AWS::EC2::SecurityGroupIngress"
    ]
    for key, r in resources.items():
        if r["Type"] == "AWS::EC2::SecurityGroup":
            rules += [(key, rule) for rule in r["Properties"].get("SecurityGroupIngress", [])]
    return rules


def test_no_security_group_admits_traffic_from_anywhere(
    example_synth: SynthResult, example_stack_name: str
) -> None:
    resources = _resources(example_synth, example_stack_name)
    open_rules = [
        (key, rule)
        for key, rule in _ingress_rules(resources)
        if rule.get("CidrIp") in ANYWHERE or rule.get("CidrIpv6") in ANYWHERE
    ]
    assert open_rules == []


def _data_store_security_groups(resources: dict[str, dict[str, Any]]) -> set[str]:
    """Logical ids of the security groups attached to EFS mount targets, FSx and ElastiCache."""
    attached: list[Any] = []
    for r in resources.values():
        props = r.get("Properties", {})
        if r["Type"] == "AWS::EFS::MountTarget":
            attached += props["SecurityGroups"]
        elif r["Type"] in ("AWS::FSx::FileSystem", "AWS::ElastiCache::ServerlessCache"):
            attached += props.get("SecurityGroupIds", [])
    return {ref["Fn::GetAtt"][0] for ref in attached if isinstance(ref, dict) and "Fn::GetAtt" in ref}


def test_data_store_security_groups_send_nothing_to_anywhere(
    example_synth: SynthResult, example_stack_name: str
) -> None:
    resources = _resources(example_synth, example_stack_name)
    groups = _data_store_security_groups(resources)
    egress = [(g, rule) for g in groups for rule in resources[g]["Properties"].get("SecurityGroupEgress", [])]
    egress += [
        (r["Properties"]["GroupId"]["Fn::GetAtt"][0], r["Properties"])
        for r in resources.values()
        if r["Type"] == "AWS::EC2::SecurityGroupEgress"
        and r["Properties"]["GroupId"].get("Fn::GetAtt", [None])[0] in groups
    ]
    # CDK's placeholder for "no egress" is 255.255.255.255/32 ICMP 252-86, which matches nothing.
    open_rules = [
        (g, rule) for g, rule in egress if rule.get("CidrIp") in ANYWHERE or rule.get("CidrIpv6") in ANYWHERE
    ]
    assert open_rules == []


def test_data_stores_of_the_example_have_locked_down_security_groups(example_synth: SynthResult) -> None:
    # The test above is not vacuous: the example has EFS, FSx and ElastiCache security groups.
    found = {
        stack: len(_data_store_security_groups(_resources(example_synth, stack)))
        for stack in ("EksClusterStack", "AppRunnerStack")
    }
    assert found == {"EksClusterStack": 2, "AppRunnerStack": 1}


def _statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    return _as_list(document.get("Statement", []))


def test_only_the_account_root_gets_every_kms_action(
    example_synth: SynthResult, example_stack_name: str
) -> None:
    resources = _resources(example_synth, example_stack_name)
    root = {
        "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::", {"Ref": "AWS::AccountId"}, ":root"]]
    }
    broad = [
        (key, statement["Principal"])
        for key, r in resources.items()
        if r["Type"] == "AWS::KMS::Key"
        for statement in _statements(r["Properties"]["KeyPolicy"])
        if statement["Effect"] == "Allow"
        and any(a in ("kms:*", "*") for a in _as_list(statement["Action"]))
        and statement["Principal"] != {"AWS": root}
    ]
    assert broad == []


def test_service_roles_carry_confused_deputy_conditions(
    example_synth: SynthResult, example_stack_name: str
) -> None:
    resources = _resources(example_synth, example_stack_name)
    unconditioned = [
        (key, service)
        for key, r in resources.items()
        if r["Type"] == "AWS::IAM::Role"
        for statement in _statements(r["Properties"]["AssumeRolePolicyDocument"])
        for service in _as_list(statement.get("Principal", {}).get("Service", []))
        if service not in UNCONDITIONED_TRUST and "Condition" not in statement
    ]
    assert unconditioned == [], json.dumps(unconditioned)


#: Managed policies that let a role pull images: nodes and Fargate pod-execution roles.
PULLING_POLICIES = ("AmazonEC2ContainerRegistryPullOnly", "AmazonEKSFargatePodExecutionRolePolicy")


def _cache_prefixes(example_synth: SynthResult) -> set[str]:
    """Prefixes of every pull-through cache rule anywhere in the example app."""
    return {
        r["Properties"]["EcrRepositoryPrefix"]
        for stack in example_synth.template_files
        for r in _resources(example_synth, stack).values()
        if r["Type"] == "AWS::ECR::PullThroughCacheRule"
    }


def _granted_pull_through(resources: dict[str, dict[str, Any]], role_id: str) -> list[str]:
    """The resource ARNs (as JSON) on which `role_id` may create and import cached repositories."""
    arns = []
    for r in resources.values():
        if r["Type"] != "AWS::IAM::Policy" or {"Ref": role_id} not in r["Properties"].get("Roles", []):
            continue
        for statement in _statements(r["Properties"]["PolicyDocument"]):
            actions = _as_list(statement["Action"])
            if "ecr:CreateRepository" in actions and "ecr:BatchImportUpstreamImage" in actions:
                arns += [json.dumps(a) for a in _as_list(statement["Resource"])]
    return arns


def test_every_role_that_may_pull_through_a_cache_can_create_the_cached_repository(
    example_synth: SynthResult, example_stack_name: str
) -> None:
    # The first pull of an upstream image creates its repository (ECR user guide,
    # "IAM permissions required to sync an upstream registry with a private registry").
    prefixes = _cache_prefixes(example_synth)
    resources = _resources(example_synth, example_stack_name)
    pullers = [
        key
        for key, r in resources.items()
        if r["Type"] == "AWS::IAM::Role"
        and any(p in json.dumps(r["Properties"].get("ManagedPolicyArns", [])) for p in PULLING_POLICIES)
    ]
    missing = [
        (role, prefix)
        for role in pullers
        for prefix in sorted(prefixes)
        if not any(f":repository/{prefix}/*" in arn for arn in _granted_pull_through(resources, role))
    ]
    assert missing == []


def test_the_example_has_cache_rules_and_roles_that_pull_through_them(example_synth: SynthResult) -> None:
    # The test above is not vacuous: there are prefixes, and node and Fargate roles pull.
    # RegistryStack namespaces its caches with the stack name (issue 11: a second copy gets its own).
    assert _cache_prefixes(example_synth) == {"registrystack/ecr-public", "registrystack/k8s"}
    roles = [
        r
        for r in _resources(example_synth, "EksClusterStack").values()
        if r["Type"] == "AWS::IAM::Role"
        and any(p in json.dumps(r["Properties"].get("ManagedPolicyArns", [])) for p in PULLING_POLICIES)
    ]
    assert len(roles) == 3


def test_every_launch_template_requires_imdsv2_and_keeps_pods_off_imds(
    example_synth: SynthResult, example_stack_name: str
) -> None:
    # Hop limit 1: a pod (one hop further) cannot read the node role's credentials;
    # docs/security.md says why this beats hop limit 2 for the EBS CSI node plugin.
    resources = _resources(example_synth, example_stack_name)
    options = [
        (key, r["Properties"]["LaunchTemplateData"].get("MetadataOptions"))
        for key, r in resources.items()
        if r["Type"] == "AWS::EC2::LaunchTemplate"
    ]
    assert [(k, o) for k, o in options if o != {"HttpPutResponseHopLimit": 1, "HttpTokens": "required"}] == []


def test_every_kms_key_lets_only_aws_services_create_grants(
    example_synth: SynthResult, example_stack_name: str
) -> None:
    # Control Tower CT.KMS.PR.3: a grant outlives the key-policy review, so only an AWS service
    # creating one for a resource it encrypts (EBS, EKS, EFS, FSx, ElastiCache, Backup) may.
    deny = {
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "kms:CreateGrant",
        "Resource": "*",
        "Condition": {
            "BoolIfExists": {"kms:GrantIsForAWSResource": "false", "aws:PrincipalIsAWSService": "false"}
        },
    }
    template = example_synth.template_json(example_stack_name)
    open_keys = [
        logical_id
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::KMS::Key"
        and not any(
            {k: v for k, v in statement.items() if k != "Sid"} == deny
            for statement in resource["Properties"]["KeyPolicy"]["Statement"]
        )
    ]
    assert open_keys == []


def test_every_log_group_has_a_customer_key_and_a_retention_of_a_year_or_more(
    example_synth: SynthResult, example_stack_name: str
) -> None:
    # Log groups aws-cdk-lib creates for its own handlers included (NIST/HIPAA/PCI
    # CloudWatchLogGroupEncrypted, Control Tower CT.CLOUDWATCH.PR.2 and its encryption control).
    template = example_synth.template_json(example_stack_name)
    groups = {
        k: r["Properties"] for k, r in template["Resources"].items() if r["Type"] == "AWS::Logs::LogGroup"
    }
    weak = {k: p for k, p in groups.items() if "KmsKeyId" not in p or p.get("RetentionInDays", 0) < 365}
    assert weak == {}
