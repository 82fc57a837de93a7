"""Describe results: global ``/sobjects``, ``/sobjects/T`` and ``/sobjects/T/describe`` (§7).

Field entries carry the keys connectors read (§7): ``name, type, label, length, nillable,
createable, updateable, custom, externalId, unique, picklistValues, referenceTo, relationshipName,
compoundFieldName``, plus ``soapType``, ``precision``/``scale``/``digits``, ``defaultValue``,
``restrictedPicklist``, ``idLookup``, ``filterable``, ``sortable``, ``nameField`` and
``calculated``.
"""

from __future__ import annotations

from typing import Any

from .schema import SOAP_TYPES, FieldDef, FieldType, ObjectDef

_COMPOUND_NAME = frozenset({"FirstName", "LastName"})


def _urls(obj: ObjectDef, version: str) -> dict[str, str]:
    base = f"/services/data/v{version}/sobjects/{obj.name}"
    return {"sobject": base, "describe": f"{base}/describe", "rowTemplate": f"{base}/{{ID}}"}


def summary(obj: ObjectDef, version: str) -> dict[str, Any]:
    """One entry of the global describe, and ``objectDescribe`` of basic information."""
    return {
        "name": obj.name,
        "label": obj.label,
        "labelPlural": obj.label + "s",
        "keyPrefix": obj.key_prefix,
        "custom": obj.name.endswith("__c"),
        "createable": obj.createable,
        "updateable": obj.createable,
        "deletable": obj.createable,
        "queryable": True,
        "retrieveable": True,
        "searchable": obj.createable,
        "urls": _urls(obj, version),
    }


def global_describe(objects: list[ObjectDef], version: str) -> dict[str, Any]:
    """``GET /sobjects``."""
    return {
        "encoding": "UTF-8",
        "maxBatchSize": 200,
        "sobjects": [summary(o, version) for o in sorted(objects, key=lambda o: o.name)],
    }


def field_json(obj: ObjectDef, definition: FieldDef) -> dict[str, Any]:
    """One ``fields[]`` entry."""
    kind = definition.type
    number = kind in (FieldType.DOUBLE, FieldType.CURRENCY, FieldType.PERCENT)
    return {
        "name": definition.name,
        "label": definition.label or definition.name,
        "type": kind.value,
        "soapType": SOAP_TYPES.get(kind, "xsd:string"),
        "length": definition.length,
        "byteLength": definition.length * 3,
        "precision": definition.precision if number else 0,
        "scale": definition.scale if number else 0,
        "digits": definition.precision if kind is FieldType.INT else 0,
        "nillable": definition.nillable,
        "createable": definition.createable,
        "updateable": definition.updateable,
        "defaultedOnCreate": definition.default is not None or definition.name in _SYSTEM,
        "defaultValue": definition.default,
        "calculated": False,
        "custom": definition.custom,
        "externalId": definition.external_id,
        "unique": definition.unique,
        "idLookup": kind is FieldType.ID or definition.external_id or definition.unique,
        "nameField": definition.name == "Name",
        "filterable": kind is not FieldType.TEXTAREA,
        "sortable": kind is not FieldType.TEXTAREA,
        "restrictedPicklist": definition.restricted,
        "picklistValues": [
            {
                "value": p.value,
                "label": p.label or p.value,
                "active": p.active,
                "defaultValue": p.default,
                "validFor": None,
            }
            for p in definition.picklist
        ],
        "referenceTo": list(definition.reference_to),
        "relationshipName": definition.relationship,
        "compoundFieldName": "Name"
        if definition.name in _COMPOUND_NAME and "Name" in obj.fields
        else None,
    }


_SYSTEM = frozenset(
    {
        "Id",
        "IsDeleted",
        "CreatedDate",
        "CreatedById",
        "LastModifiedDate",
        "LastModifiedById",
        "SystemModstamp",
    }
)


def describe(obj: ObjectDef, version: str) -> dict[str, Any]:
    """``GET /sobjects/T/describe``."""
    return {
        **summary(obj, version),
        "fields": [field_json(obj, f) for f in obj.fields.values()],
        "childRelationships": [],
        "recordTypeInfos": [],
    }
