"""CrdEstablished: the deploy-time wait for a CRD that any manifest can use (issue 11 item 2)."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Duration
from aws_cdk import aws_eks_v2 as eks
from aws_cdk.assertions import Template

from cdk_containers.constructs.eks import EksCluster
from cdk_containers.constructs.eks.crds import (
    CRD_ESTABLISHED_JSON_PATH,
    CrdEstablished,
    api_group,
    kubectl_cluster_of,
)
from tests.constructs.test_storage_common import logical_id, storage_stack

WIDGET = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}


@pytest.fixture(scope="module")
def cluster() -> EksCluster:
    return storage_stack()[1]


def test_a_gated_manifest_waits_for_the_crd_and_the_wait_for_what_the_manifest_waited_for(
    cluster: EksCluster,
) -> None:
    manifest = cluster.add_manifest("Widget", WIDGET)
    kubectl = kubectl_cluster_of(cluster)
    assert kubectl is not None
    wait = CrdEstablished(cluster, "WidgetCrd", cluster=kubectl, crd_name="widgets.example.com")
    wait.gate(manifest)
    template = Template.from_stack(cluster.cluster.stack)
    template.has_resource_properties(
        "Custom::AWSCDK-EKS-KubernetesObjectValue",
        {
            "ObjectType": "customresourcedefinition",
            "ObjectName": "widgets.example.com",
            "JsonPath": CRD_ESTABLISHED_JSON_PATH,
            "TimeoutSeconds": 600,
        },
    )
    resources = template.to_json()
    wait_id = logical_id(resources, "Custom::AWSCDK-EKS-KubernetesObjectValue", "WidgetCrd")
    manifest_id = logical_id(resources, "Custom::AWSCDK-EKS-KubernetesResource", "EksWidget")
    assert wait_id in resources["Resources"][manifest_id]["DependsOn"]
    # The handler's access entry and the compute the manifest waited for come first.
    access = logical_id(resources, "AWS::EKS::AccessEntry", "KubectlAdminAccess")
    nodegroup = logical_id(resources, "AWS::EKS::Nodegroup", "Nodes")
    assert {access, nodegroup} <= set(resources["Resources"][wait_id]["DependsOn"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"crd_name": "widgets"}, r"crd_name='widgets' is invalid: a CRD name '<plural>.<group>'"),
        (
            {"crd_name": ["widgets.example.com"]},
            r"crd_name=\['widgets.example.com'\] is invalid: expected str",
        ),
        ({"timeout": Duration.minutes(15)}, r"timeout='15 minutes' is invalid: more than 0 and at most 14"),
        ({"timeout": 600}, r"timeout=600 is invalid: a Duration"),
    ],
)
def test_bad_crd_waits_are_refused(cluster: EksCluster, kwargs: dict[str, Any], message: str) -> None:
    kubectl = kubectl_cluster_of(cluster)
    arguments = {"cluster": kubectl, "crd_name": "widgets.example.com", **kwargs}
    with pytest.raises(ValueError, match=r"CrdEstablished 'Storage/Eks/Bad': " + message):
        CrdEstablished(cluster, "Bad", **arguments)


def test_a_cluster_without_a_kubectl_provider_is_refused(cluster: EksCluster) -> None:
    bare = eks.Cluster.from_cluster_attributes(cluster, "Bare", cluster_name="bare")
    assert kubectl_cluster_of(bare) is None
    with pytest.raises(
        ValueError, match=r"cluster=.* is invalid: an aws_eks_v2.ICluster with a kubectl provider"
    ):
        CrdEstablished(cluster, "NoHandler", cluster=bare, crd_name="widgets.example.com")


@pytest.mark.parametrize(
    ("api_version", "group"),
    [("v1", ""), ("apps/v1", "apps"), ("trident.netapp.io/v1", "trident.netapp.io")],
)
def test_api_group_of_an_api_version(api_version: str, group: str) -> None:
    assert api_group(api_version) == group


def test_an_imported_cluster_with_a_kubectl_provider_is_its_own_kubectl_cluster(cluster: EksCluster) -> None:
    provider = eks.KubectlProvider.from_kubectl_provider_attributes(
        cluster, "ImportedProvider", service_token="arn:aws:lambda:eu-west-1:111111111111:function:kubectl"
    )
    imported = eks.Cluster.from_cluster_attributes(
        cluster, "Imported", cluster_name="imported", kubectl_provider=provider
    )
    assert kubectl_cluster_of(imported) is imported
