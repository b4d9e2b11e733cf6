"""Bad input across the storage family (issue 14): every class, table-driven, messages asserted.

Each row is one wrong argument; the outcome is always our `ValueError` naming the construct type,
its path, the argument and what is allowed (never an AttributeError, a TypeError or a jsii error),
or, for deploy-time values CloudFormation can take, a synthesized template.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
from typing import Any

import pytest
from aws_cdk import CfnParameter, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Template

from cdk_containers.constructs.eks import EksCluster
from cdk_containers.constructs.storage import (
    CsiDriver,
    EbsCsiDriver,
    EbsStorageClass,
    EbsStorageClassOptions,
    EfsCsiDriver,
    EfsStorageClassOptions,
    FsxLustreCsiDriver,
    FsxLustreStorageClassOptions,
    FsxOntapCsiDriver,
    OntapStorageClassOptions,
)
from tests.constructs.test_storage_common import storage_stack


@pytest.fixture(scope="module")
def cluster() -> EksCluster:
    return storage_stack()[1]


def _number(scope: Stack | EksCluster, name: str) -> float:
    return CfnParameter(Stack.of(scope), name, type="Number").value_as_number


def _text(scope: Stack | EksCluster, name: str) -> str:
    return CfnParameter(Stack.of(scope), name, type="String").value_as_string


DRIVERS = [EbsCsiDriver, EfsCsiDriver, FsxLustreCsiDriver, FsxOntapCsiDriver]


@pytest.fixture(scope="module")
def drivers() -> dict[type, Any]:
    """One driver of each kind on one cluster."""
    stack, cluster = storage_stack()
    return {driver: driver(stack, driver.__name__, cluster=cluster) for driver in DRIVERS}


@pytest.mark.parametrize("driver", DRIVERS, ids=lambda d: d.__name__)
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"cluster": None}, r"cluster=None is invalid: an EksCluster, or an object with the members"),
        ({"cluster": "my-cluster"}, r"cluster='my-cluster' is invalid: an EksCluster, or an object"),
        ({"addon_version": 1.48}, r"addon_version=1.48 is invalid: expected str, got a float"),
        ({"addon_version": ["v1"]}, r"addon_version=\['v1'\] is invalid: expected str, got a list"),
        (
            {"addon_version": ""},
            r"addon_version='' is invalid: an EKS add-on version such as 'v1.48.0-eksbuild.1'",
        ),
    ],
)
def test_every_driver_refuses_a_wrong_kind_of_argument_by_name(
    cluster: EksCluster, driver: Any, kwargs: dict[str, Any], message: str
) -> None:
    arguments = {"cluster": cluster, **kwargs}
    with pytest.raises(ValueError, match=rf"{driver.__name__} 'Storage/Bad': {message}"):
        driver(cluster.node.scope, "Bad", **arguments)


@pytest.mark.parametrize(
    "value", ["my-cluster", None, {"name": "my-cluster"}], ids=["str", "None", "mapping"]
)
def test_the_base_driver_refuses_a_cluster_that_is_not_one_by_name(cluster: EksCluster, value: Any) -> None:
    """`CsiDriver` is public (the base of the four drivers); built directly, it checks its cluster too."""
    with pytest.raises(
        ValueError,
        match=rf"^CsiDriver 'Storage/Base': cluster={re.escape(repr(value))} is invalid: an EksCluster, or "
        r"an object with the members of StorageCluster \(missing: cluster, vpc,",
    ):
        CsiDriver(cluster.node.scope, "Base", cluster=value)


def test_an_ontap_throughput_that_is_a_string_token_is_refused_but_a_number_token_is_taken(
    cluster: EksCluster,
) -> None:
    with pytest.raises(
        ValueError,
        match=r"FsxOntapCsiDriver 'Storage/Ontap': "
        r"throughput_capacity='\$\{Token\[TOKEN\.\d+\]\}' is invalid: "
        r"a number: for MULTI_AZ_1 one of \[128, 256",
    ):
        FsxOntapCsiDriver(
            cluster.node.scope, "Ontap", cluster=cluster, throughput_capacity=_text(cluster, "Mbps")
        )
    number = _number(cluster, "MbpsNumber")
    driver = FsxOntapCsiDriver(cluster.node.scope, "OntapNumber", cluster=cluster, throughput_capacity=number)
    ontap = Stack.of(driver).resolve(driver.file_system.ontap_configuration)
    assert ontap["throughputCapacity"] == {"Ref": "MbpsNumber"}


@pytest.mark.parametrize("driver", DRIVERS, ids=lambda d: d.__name__)
def test_every_driver_refuses_a_construct_id_that_is_not_a_string(cluster: EksCluster, driver: Any) -> None:
    with pytest.raises(
        ValueError, match=rf"{driver.__name__} 'Storage/7': construct_id=7 is invalid: expected str"
    ):
        driver(cluster.node.scope, 7, cluster=cluster)


@pytest.mark.parametrize(
    ("driver", "options", "message"),
    [
        (EbsCsiDriver, None, r"options=None is invalid: an instance of EbsStorageClassOptions"),
        (
            EbsCsiDriver,
            {"name": "x"},
            r"options=\{'name': 'x'\} is invalid: an instance of EbsStorageClassOptions",
        ),
        (
            EfsCsiDriver,
            EbsStorageClassOptions(name="x"),
            r"options=.* is invalid: an instance of EfsStorageClassOptions",
        ),
        (
            FsxLustreCsiDriver,
            "lustre",
            r"options='lustre' is invalid: an instance of FsxLustreStorageClassOptions",
        ),
        (
            FsxOntapCsiDriver,
            OntapStorageClassOptions(name=3),
            r"options.name=3 is invalid: expected str, got an int",
        ),  # type: ignore[arg-type]
        (
            EbsCsiDriver,
            EbsStorageClassOptions(name="x", iops=[3000]),
            r"options.iops=\[3000\] is invalid: for gp3 an",
        ),  # type: ignore[arg-type]
        (EfsCsiDriver, EfsStorageClassOptions(name="x", uid=1.5), r"options.uid=1.5 is invalid: an integer"),  # type: ignore[arg-type]
        (
            FsxLustreCsiDriver,
            FsxLustreStorageClassOptions(name="x", subnet=[ec2.SubnetSelection()]),  # type: ignore[arg-type]
            r"options.subnet=.* is invalid: expected aws_ec2.ISubnet, got a list",
        ),
        (
            FsxOntapCsiDriver,
            OntapStorageClassOptions(name="x", mount_options=("nfsvers=4.1", "")),
            r"options.mount_options\[1\]='' is invalid: one NFS option",
        ),
    ],
)
def test_every_storage_class_refuses_wrong_options_by_name(
    drivers: dict[type, Any], driver: Any, options: Any, message: str
) -> None:
    instance = drivers[driver]
    with pytest.raises(ValueError, match=rf"StorageClass '{instance.node.path}/Bad': {message}"):
        instance.add_storage_class("Bad", options)


def test_a_standalone_storage_class_refuses_a_driver_of_another_kind(drivers: dict[type, Any]) -> None:
    efs_driver = drivers[EfsCsiDriver]
    with pytest.raises(
        ValueError,
        match=r"EbsStorageClass 'Storage/Wrong': driver=.* is invalid: an instance of EbsCsiDriver",
    ):
        EbsStorageClass(
            efs_driver.node.scope, "Wrong", driver=efs_driver, options=EbsStorageClassOptions(name="x")
        )


def test_a_storage_class_name_must_be_known_at_synth(cluster: EksCluster) -> None:
    ebs = EbsCsiDriver(cluster.node.scope, "EbsTokens", cluster=cluster, create_default_storage_class=False)
    with pytest.raises(
        ValueError,
        match=r"options.name is a deploy-time value \(a token\), but it must be known at synth: it names the "
        r"Kubernetes object",
    ):
        ebs.add_storage_class("Named", EbsStorageClassOptions(name=_text(cluster, "ClassName")))


def test_an_ontap_backend_name_must_be_known_at_synth(cluster: EksCluster) -> None:
    with pytest.raises(
        ValueError, match=r"backend_name is a deploy-time value \(a token\), but it must be known"
    ):
        FsxOntapCsiDriver(
            cluster.node.scope, "OntapToken", cluster=cluster, backend_name=_text(cluster, "Backend")
        )


def test_deploy_time_numbers_are_accepted_where_cloudformation_or_the_driver_takes_them() -> None:
    stack, cluster = storage_stack()
    ebs = EbsCsiDriver(stack, "Ebs", cluster=cluster, create_default_storage_class=False)
    ebs.add_storage_class("Fast", EbsStorageClassOptions(name="fast", iops=_number(stack, "Iops")))
    efs_driver = EfsCsiDriver(stack, "Efs", cluster=cluster)
    efs_driver.add_storage_class("Owned", EfsStorageClassOptions(name="owned", uid=_number(stack, "Uid")))
    lustre = FsxLustreCsiDriver(stack, "Lustre", cluster=cluster)
    lustre.add_storage_class(
        "Fast",
        FsxLustreStorageClassOptions(name="lustre", per_unit_storage_throughput=_number(stack, "Throughput")),
    )
    FsxOntapCsiDriver(stack, "Ontap", cluster=cluster, storage_capacity_gib=_number(stack, "Capacity"))  # type: ignore[arg-type]
    template = Template.from_stack(stack).to_json()
    assert template["Resources"]  # synthesized
    rendered = str(template)
    for parameter in ("Iops", "Uid", "Throughput"):
        assert f"'Ref': '{parameter}'" in rendered, parameter
    (ontap,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::FSx::FileSystem"]
    assert ontap["Properties"]["StorageCapacity"] == {"Ref": "Capacity"}


# Every argument, found from the signatures and dataclass fields (a new one is covered without editing
# this test), fed values of the wrong kind: the outcome is our ValueError naming it, nothing else.

OPTIONS = {
    EbsCsiDriver: EbsStorageClassOptions,
    EfsCsiDriver: EfsStorageClassOptions,
    FsxLustreCsiDriver: FsxLustreStorageClassOptions,
    FsxOntapCsiDriver: OntapStorageClassOptions,
}
WRONG_KINDS: list[Any] = [object(), [object()], {"a": 1}]


def _option_cases() -> list[tuple[Any, str, Any]]:
    return [
        (driver, field.name, value)
        for driver, options in OPTIONS.items()
        for field in dataclasses.fields(options)
        for value in WRONG_KINDS + (["text"] if field.type not in ("str", "str | None") else [])
    ]


def _argument_cases() -> list[tuple[Any, str, Any]]:
    return [
        (driver, name, value)
        for driver in DRIVERS
        for name, parameter in inspect.signature(driver.__init__).parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY and name != "cluster"
        for value in WRONG_KINDS
    ]


@pytest.mark.parametrize(
    ("driver", "field", "value"), _option_cases(), ids=lambda v: getattr(v, "__name__", None) or repr(v)[:20]
)
def test_every_storage_class_option_of_the_wrong_kind_is_refused_by_name(
    drivers: dict[type, Any], driver: Any, field: str, value: Any
) -> None:
    arguments = {"name": "wrong-kind", field: value}
    with pytest.raises(ValueError, match=rf"StorageClass '.*': .*options\.{field}\b"):
        drivers[driver].add_storage_class(f"Wrong{field}", OPTIONS[driver](**arguments))


@pytest.mark.parametrize(
    ("driver", "argument", "value"),
    _argument_cases(),
    ids=lambda v: getattr(v, "__name__", None) or repr(v)[:20],
)
def test_every_driver_argument_of_the_wrong_kind_is_refused_by_name(
    cluster: EksCluster, driver: Any, argument: str, value: Any
) -> None:
    with pytest.raises(ValueError, match=rf"{driver.__name__} 'Storage/Wrong': .*\b{argument}\b"):
        driver(cluster.node.scope, "Wrong", cluster=cluster, **{argument: value})


def _token_cases() -> list[tuple[Any, str, str]]:
    return [
        (driver, field.name, kind)
        for driver, options in OPTIONS.items()
        for field in dataclasses.fields(options)
        if field.name != "name"
        for kind in ("String", "Number")
    ]


def test_a_deploy_time_value_for_any_option_is_taken_or_refused_by_name_and_the_stack_synthesizes() -> None:
    stack, cluster = storage_stack()
    drivers = {driver: driver(stack, driver.__name__, cluster=cluster) for driver in DRIVERS}
    misnamed = []
    for driver, field, kind in _token_cases():
        instance = drivers[driver]
        parameter = CfnParameter(stack, f"{driver.__name__}{field}{kind}", type=kind)
        value = parameter.value_as_string if kind == "String" else parameter.value_as_number
        name = f"{field.replace('_', '-')}-{kind.lower()}"
        try:
            instance.add_storage_class(f"Token{field}{kind}", OPTIONS[driver](name=name, **{field: value}))
        except ValueError as error:
            if f"options.{field}" not in str(error):
                misnamed.append(f"{driver.__name__}.{field} ({kind}): {error}")
    assert misnamed == []
    # What was taken renders: no jsii serialization error at synth.
    assert Template.from_stack(stack).to_json()["Resources"]
