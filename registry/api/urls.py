"""REST API of the registry (under /api/registry/)."""

from rest_framework.routers import SimpleRouter

from registry.api.views import CadreViewSet, HealthCheckViewSet, RestHomeViewSet, StaffViewSet, TripAbroadViewSet

router = SimpleRouter()
router.register("cadres", CadreViewSet, basename="registry-cadre")
router.register("rest-homes", RestHomeViewSet, basename="registry-resthome")
router.register("staff", StaffViewSet, basename="registry-staff")
router.register("trips", TripAbroadViewSet, basename="registry-trip")
router.register("health-checks", HealthCheckViewSet, basename="registry-healthcheck")

urlpatterns = router.urls
