"""住民記録 API under /api/v1/registry/: the same services, checks and audit as the screens.

Every route asks for a capability and reads only the caller's municipality (the scoped managers). Bad
input answers 400 with the service's Japanese message and the field it names; an alert of 抑止・支援措置
409 with the alerts until the call is repeated with acknowledge_alerts; a refusal 403. A counter
contractor's 異動 and certificate requests are stored for a clerk's approval (202).
"""


from ninja import Router

from lgcloud.areas.registry.api import (
    certificates,
    events,
    inbox,
    lists,
    persons,
    restrictions,
)

router = Router(tags=["住民記録"])

ROUTERS = (persons, lists, events, inbox, certificates, restrictions)
for module in ROUTERS:
    for path_view in module.router.path_operations.values():
        for operation in path_view.operations:
            # The operation ids of when the API was one module: integrators' generated clients name them.
            operation.operation_id = operation.operation_id or f"lgcloud_areas_registry_api_{operation.view_func.__name__}"
    router.add_router("", module.router)
