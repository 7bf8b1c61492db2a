"""The OpenAPI 3.1 document of the REST shim, built from the same endpoint declarations as the
routes (so no route goes undocumented); a test validates real responses against it."""

from __future__ import annotations

from typing import Any

from app import __version__
from app.api.rest.common import Endpoint

# anchore-cli sniffs `info.version` and needs >= 0.1.6 for `fulltag=` lookups; this is the
# engine API version whose v1 surface the shim reproduces.
ANCHORE_API_VERSION = "0.1.20"

S = "string"
NSTR = {"type": ["string", "null"]}
DATE = {"type": "string", "format": "date-time"}
NDATE = {"type": ["string", "null"], "format": "date-time"}
ACTION = {"type": "string", "enum": ["stop", "warn", "go"]}
STATUS = {"type": "string", "enum": ["pass", "fail"]}
OBJ = {"type": "object"}
NOBJ = {"type": ["object", "null"]}


def _obj(required_: list[str], **props: Any) -> dict[str, Any]:
    return {"type": "object", "required": required_, "properties": props}


def _arr(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


def ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


PROBLEM = _obj(["severity", "problem_type", "details"], severity={"type": S},
               problem_type={"type": S}, details={"type": S})

SCHEMAS: dict[str, Any] = {
    "Error": _obj(["message", "httpcode", "detail"], message={"type": S},
                  httpcode={"type": "integer"}, detail=OBJ),
    "ImageMetadata": _obj(
        ["arch", "distro", "distro_version", "dockerfile_mode", "image_size", "layer_count"],
        arch=NSTR, distro=NSTR, distro_version=NSTR, dockerfile_mode=NSTR,
        image_size={"type": "integer"}, layer_count={"type": "integer"}),
    "ImageDetail": _obj(
        ["registry", "repo", "tag", "fulltag", "digest", "imageId", "imageDigest",
         "created_at", "last_updated", "tag_detected_at"],
        registry={"type": S}, repo={"type": S}, tag={"type": S}, fulltag={"type": S},
        digest={"type": S}, fulldigest={"type": S}, imageId={"type": S},
        imageDigest={"type": S}, dockerfile=NSTR, created_at=DATE, last_updated=DATE,
        tag_detected_at=DATE),
    "AnchoreImage": _obj(
        ["imageDigest", "analysis_status", "image_status", "image_type", "analyzed_at",
         "created_at", "last_updated", "annotations", "image_content", "image_detail"],
        imageDigest={"type": S}, parentDigest={"type": S},
        analysis_status={"type": S, "enum": ["not_analyzed", "analyzing", "analyzed",
                                             "analysis_failed"]},
        image_status={"type": S}, image_type={"type": S}, analyzed_at=NDATE,
        created_at=DATE, last_updated=DATE, annotations=OBJ, userId=NSTR,
        image_content=_obj(["metadata"], metadata=ref("ImageMetadata")),
        image_detail=_arr(ref("ImageDetail"))),
    "ImageDetailV2": _obj(
        ["registry", "repository", "tag", "full_tag", "digest", "image_id"],
        registry={"type": S}, repository={"type": S}, tag={"type": S}, full_tag={"type": S},
        digest={"type": S}, full_digest={"type": S}, image_id={"type": S},
        created_at=DATE, last_updated=DATE, tag_detected_at=DATE),
    "ImageV2": _obj(
        ["image_digest", "analysis_status", "image_status", "analyzed_at", "image_content",
         "image_detail"],
        image_digest={"type": S}, parent_digest={"type": S}, analysis_status={"type": S},
        image_status={"type": S}, image_type={"type": S}, analyzed_at=NDATE,
        created_at=DATE, last_updated=DATE, annotations=OBJ,
        image_content=_obj(["metadata"], metadata=ref("ImageMetadata")),
        image_detail=_arr(ref("ImageDetailV2")),
        # imagegate's additions (the imagegate CLI's remote mode reads them)
        image_id={"type": S}, source={"type": S}, os={"type": S},
        layers=_arr({"type": S}), image_created=NDATE,
        analysis=_obj(["dockerfile_mode", "packages", "files", "warnings"],
                      dockerfile_mode=NSTR, packages={"type": "integer"},
                      files={"type": "integer"}, warnings=_arr({"type": S}))),
    "ImageListV2": _obj(["items"], items=_arr(ref("ImageV2"))),
    "ImageAddRequest": _obj(["tag"], tag={"type": S, "minLength": 1},
                            dockerfile={"type": S}, annotations=OBJ),
    "ImageAddRequestV2": {
        "type": "object",
        "properties": {"tag": {"type": S},
                       "source": _obj(["tag"], tag=_obj(["pull_string"],
                                                        pull_string={"type": S}))}},
    "GrypeAttachResult": _obj(["image_digest", "matches"], image_digest={"type": S},
                              matches={"type": "integer", "minimum": 0}),
    "FeedImportResult": _obj(["summary", "read", "new", "updated", "unchanged", "skipped",
                              "images_rematched", "images_changed"],
                             summary={"type": S}, read={"type": "integer"},
                             new={"type": "integer"}, updated={"type": "integer"},
                             unchanged={"type": "integer"}, skipped={"type": "integer"},
                             images_rematched={"type": "integer"},
                             images_changed={"type": "integer"}),
    "ImageAncestor": _obj(
        ["image_digest", "parent_digest", "tags", "layers", "user_marked_base",
         "chosen_base_image"],
        image_digest={"type": S}, parent_digest={"type": S}, tags=_arr({"type": S}),
        layers=_arr({"type": S}), user_marked_base={"type": "boolean"},
        chosen_base_image={"type": "boolean"}),
    "ContentResponse": _obj(["imageDigest", "content_type", "content"],
                            imageDigest={"type": S}, content_type={"type": S},
                            content={"type": ["array", "string"]}),
    "ContentResponseV2": _obj(["image_digest", "content_type", "content"],
                              image_digest={"type": S}, content_type={"type": S},
                              content={"type": ["array", "string"]}),
    "MetadataResponse": _obj(["imageDigest", "metadata_type", "metadata"],
                             imageDigest={"type": S}, metadata_type={"type": S},
                             metadata={"type": S}),
    "Vulnerability": _obj(
        ["vuln", "package", "severity", "fix", "url", "package_type", "feed_group",
         "package_path", "nvd_data"],
        vuln={"type": S}, package={"type": S}, severity={"type": S}, fix={"type": S},
        url={"type": S}, package_type={"type": S}, feed_group={"type": S},
        package_path={"type": S}, nvd_data=_arr(OBJ), package_name={"type": S},
        package_version={"type": S}, feed={"type": S}, will_not_fix={"type": "boolean"},
        vendor_data=_arr(OBJ), detected_at=DATE),
    "VulnerabilityResponse": _obj(["imageDigest", "vulnerability_type", "vulnerabilities"],
                                  imageDigest={"type": S}, vulnerability_type={"type": S},
                                  vulnerabilities=_arr(ref("Vulnerability"))),
    "VulnerabilityResponseV2": _obj(["image_digest", "vulnerability_type", "vulnerabilities"],
                                    image_digest={"type": S}, vulnerability_type={"type": S},
                                    vulnerabilities=_arr(ref("Vulnerability"))),
    # ---- checks (spec §6.1-§6.4)
    "Finding": _obj(
        ["trigger_id", "gate", "trigger", "message", "action", "policy_id", "recommendation",
         "rule_id", "allowlisted", "allowlist_match", "inherited_from_base"],
        trigger_id={"type": S}, gate={"type": S}, trigger={"type": S}, message={"type": S},
        action=ACTION, policy_id={"type": S}, recommendation={"type": S},
        rule_id={"type": S}, allowlisted={"type": "boolean"},
        allowlist_match={"type": ["object", "null"], "required": ["id", "name",
                                                                   "matched_rule_id"]},
        inherited_from_base={"type": ["boolean", "null"]}, rule_action=ACTION),
    "PolicyEvaluationResult": _obj(
        ["evaluation_problems", "evaluation_time", "final_action", "final_action_reason",
         "image_allowlisted", "image_denylisted", "image_mapped_to_rule",
         "number_of_findings", "status", "details", "comparison_image_digest"],
        details={"oneOf": [{"type": "null"}, _obj(
            ["policy", "findings", "policy_action"], policy=OBJ,
            findings=_arr(ref("Finding")), policy_action=ACTION)]},
        comparison_image_digest=NSTR, evaluation_time=DATE,
        evaluation_problems=_arr(PROBLEM), status=STATUS, final_action=ACTION,
        final_action_reason={"type": S, "enum": ["policy_evaluation", "allowlisted",
                                                 "denylisted"]},
        image_allowlisted={"type": "boolean"}, matched_allowlisted_images_rule=NOBJ,
        image_denylisted={"type": "boolean"}, matched_denylisted_images_rule=NOBJ,
        image_mapped_to_rule={"type": "boolean"}, matched_mapping_rule=NOBJ,
        number_of_findings={"type": "integer", "minimum": 0}, evaluation_id={"type": S}),
    "PolicyEvaluation": _obj(
        ["policy_id", "image_digest", "evaluated_tag", "evaluations"],
        policy_id={"type": S}, image_digest={"type": S}, evaluated_tag={"type": S},
        evaluations={"type": "array", "minItems": 1, "items": ref("PolicyEvaluationResult")}),
    "FindingsTable": _obj(
        ["header", "row_count", "rows", "final_action"],
        header={"type": "array", "minItems": 9, "maxItems": 10, "items": {"type": S}},
        row_count={"type": "integer"},
        rows=_arr({"type": "array", "minItems": 9, "maxItems": 10}), final_action=ACTION),
    "PolicyEngineEvaluation": _obj(
        ["user_id", "image_id", "image_digest", "tag", "bundle", "matched_mapping_rule",
         "matched_whitelisted_images_rule", "matched_blacklisted_images_rule", "result",
         "created_at", "last_modified", "final_action", "final_action_reason",
         "evaluation_problems", "status"],
        user_id={"type": S}, image_id={"type": S}, image_digest={"type": S}, tag={"type": S},
        bundle=OBJ, matched_mapping_rule={"type": ["object", "boolean"]},
        matched_whitelisted_images_rule={"type": ["object", "boolean"]},
        matched_blacklisted_images_rule={"type": ["object", "boolean"]},
        result={"type": "object", "required": ["policy_name", "policy_data",
                                               "whitelist_data", "whitelist_names"],
                "properties": {"policy_name": {"type": S}, "policy_data": {"type": "array"},
                               "whitelist_data": {"type": "array"},
                               "whitelist_names": {"type": "array"}},
                "additionalProperties": _obj(["result"], result=ref("FindingsTable"))},
        created_at={"type": "integer"}, last_modified={"type": "integer"},
        final_action=ACTION,
        final_action_reason={"type": S, "enum": ["policy_evaluation", "whitelisted",
                                                 "blacklisted"]},
        evaluation_problems=_arr(PROBLEM), status=STATUS, base_image_digest={"type": S}),
    "EvaluationV1": _obj(
        ["status", "policyId", "last_evaluation", "detail"], status=STATUS,
        policyId={"type": S}, last_evaluation=DATE,
        detail={"oneOf": [{"type": "object", "maxProperties": 0},
                          _obj(["result", "policy"], result=ref("PolicyEngineEvaluation"),
                               policy=OBJ)]}),
    "PolicyEvaluationListV1": _arr({
        "type": "object", "minProperties": 1, "maxProperties": 1,
        "additionalProperties": {"type": "object",
                                 "additionalProperties": _arr(ref("EvaluationV1"))}}),
    # ---- policies
    "PolicyDocument": {"type": "object", "description": "an Anchore v1 bundle (version 1_0) "
                       "or v2 policy (version 2)", "properties": {"id": {"type": S},
                                                                  "version": {"type": S}}},
    "PolicyRecordV1": _obj(
        ["policyId", "active", "policy_source", "created_at", "last_updated", "userId"],
        policyId={"type": S}, name=NSTR, comment=NSTR, active={"type": "boolean"},
        policy_source={"type": S}, userId={"type": S}, created_at=DATE, last_updated=DATE,
        policybundle=OBJ),
    "PolicyUpdateV1": {"type": "object", "properties": {
        "policyId": {"type": S}, "active": {"type": "boolean"}, "policybundle": OBJ}},
    "PolicyRecordV2": _obj(
        ["policy_id", "active", "created_at", "last_updated"], policy_id={"type": S},
        name=NSTR, description=NSTR, active={"type": "boolean"}, policy_source={"type": S},
        created_at=DATE, last_updated=DATE, policy=OBJ,
        version={"type": S}, revision={"type": S}),  # imagegate's additions
    # ---- system and accounts
    "ServiceDetail": _obj(["up", "available", "version", "db_version"],
                          up={"type": "boolean"}, available={"type": "boolean"},
                          busy={"type": "boolean"}, message={"type": S}, version={"type": S},
                          db_version={"type": S}, detail=OBJ),
    "Service": _obj(["servicename", "hostid", "base_url", "status", "service_detail"],
                    servicename={"type": S}, hostid={"type": S}, base_url={"type": S},
                    status={"type": "boolean"}, status_message={"type": S},
                    version={"type": S}, service_detail=ref("ServiceDetail")),
    "SystemStatus": _obj(["service_states"], service_states=_arr(ref("Service"))),
    "FeedMetadata": _obj(["name", "enabled", "last_full_sync", "groups"], name={"type": S},
                         enabled={"type": "boolean"}, last_full_sync=NDATE,
                         created_at=DATE, updated_at=DATE, groups=_arr(OBJ)),
    "GateParameter": _obj(["name", "description", "required", "validator", "state"],
                          name={"type": S}, description={"type": S}, example={},
                          required={"type": "boolean"}, validator=OBJ, state={"type": S}),
    "GateTrigger": _obj(["name", "description", "state", "parameters"], name={"type": S},
                        description={"type": S}, state={"type": S},
                        superseded_by=NSTR, parameters=_arr(ref("GateParameter"))),
    "GateSpec": _obj(["name", "description", "state", "superseded_by", "triggers",
                      "supported_artifact_type"],
                     name={"type": S}, description={"type": S}, state={"type": S},
                     superseded_by=NSTR, supported_artifact_type={"type": S},
                     triggers=_arr(ref("GateTrigger"))),
    "GateSpecV1": _obj(["name", "description", "state", "superceded_by", "triggers"],
                       name={"type": S}, description={"type": S}, state={"type": S},
                       superceded_by=NSTR, triggers=_arr(OBJ)),
    "Account": _obj(["name", "type", "state", "created_at", "last_updated"],
                    name={"type": S}, email=NSTR,
                    type={"type": S, "enum": ["admin", "user", "service"]},
                    state={"type": S}, created_at=DATE, last_updated=DATE),
    "User": _obj(["username", "type", "created_at", "last_updated"], username={"type": S},
                 type={"type": S}, source=NSTR, role={"type": S}, created_at=DATE,
                 last_updated=DATE),
    "Health": _obj(["status", "version"], status={"type": S}, version={"type": S}),
    "OpenAPI": _obj(["openapi", "info", "paths"], openapi={"type": S},
                    info=_obj(["version"], version={"type": S}), paths=OBJ),
}

ERROR_TEXT = {400: "malformed request, or something this server cannot do",
              401: "missing or wrong credentials", 403: "not allowed",
              404: "not found (or not in the caller's account)",
              413: "request body over the configured limit", 500: "internal error",
              504: "the request took longer than IMAGEGATE_REQUEST_TIMEOUT"}


def _operation(endpoint: Endpoint) -> dict[str, Any]:
    success: dict[str, Any] = {"description": "OK"}
    if endpoint.response is not None:
        success["content"] = {"application/json": {"schema": endpoint.response}}
    responses: dict[str, Any] = {str(endpoint.status): success}
    codes = set(endpoint.errors) | {500, 504}
    if not endpoint.authenticated:
        codes -= {401, 403}
    for code in sorted(codes):
        responses[str(code)] = {
            "description": ERROR_TEXT.get(code, "error"),
            "content": {"application/json": {"schema": ref("Error")}}}
    op: dict[str, Any] = {
        "summary": endpoint.summary,
        "operationId": f"{endpoint.method.lower()}_{_slug(endpoint.path)}",
        "tags": list(endpoint.tags), "responses": responses,
        "parameters": [{"name": p.name, "in": p.where, "required": p.required or
                        p.where == "path", "schema": p.schema,
                        **({"description": p.description} if p.description else {})}
                       for p in endpoint.params]}
    if not endpoint.authenticated:
        op["security"] = []
    if endpoint.body is not None:
        op["requestBody"] = {"required": True, "content": {
            media: {"schema": schema} for media, schema in endpoint.body.items()}}
    return op


def _slug(path: str) -> str:
    return "_".join(part.strip("{}").replace("-", "_") for part in path.split("/")
                    if part) or "root"


def document(endpoints: list[Endpoint]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for endpoint in endpoints:
        paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = _operation(endpoint)
    return {
        "openapi": "3.1.0",
        "info": {"title": "imagegate REST API (Anchore engine v1 and Enterprise v2 shapes)",
                 "version": ANCHORE_API_VERSION, "x-imagegate-version": __version__,
                 "description": "A policy gate for container images that speaks Anchore's "
                 "policy language. Errors are `{message, httpcode, detail}`. Authentication: "
                 "HTTP Basic, or an API key as a Bearer token; admins may act in another "
                 "account with the `x-anchore-account` header."},
        "servers": [{"url": "/"}],
        "security": [{"basic": []}, {"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"basic": {"type": "http", "scheme": "basic"},
                                "bearer": {"type": "http", "scheme": "bearer"}}},
    }
