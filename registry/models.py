"""People and places of a centre: rest homes, cadres and their families, staff, facilities.

Personal data (ID number, phone numbers, address, health findings) is encrypted at rest (EncryptedTextField);
the ID number is found by its keyed hash. Every change is kept by django-pghistory triggers.
"""

from __future__ import annotations

import datetime as dt

import pghistory
import pghistory.models
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.crypto import EncryptedTextField

ALL_CADRES_PERMISSION = "registry.view_all_cadres"
# Personal data by kind (registry.roles says who holds which): identity (ID number, full birth date), contact
# (phones and addresses of cadres, family members and staff), health (health-check findings, health conditions).
IDENTITY_PERMISSION = "registry.view_identity_data"
CONTACT_PERMISSION = "registry.view_contact_data"
HEALTH_PERMISSION = "registry.view_health_data"


class RestHome(models.Model):
    """A rest home (休养所): a unit of the centre with its own cadres and staff."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    building_area = models.DecimalField(_("building area (m²)"), max_digits=9, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("rest home")
        verbose_name_plural = _("rest homes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Staff(models.Model):
    class Role(models.TextChoices):
        HEAD = "head", _("Centre head")
        LIAISON = "liaison", _("Liaison officer")
        CASEWORKER = "caseworker", _("Caseworker")
        SOCIAL_WORKER = "social_worker", _("Social worker")
        MEDICAL = "medical", _("Medical staff")
        ARCHIVIST = "archivist", _("Archivist")
        IT = "it", _("IT staff")
        OTHER = "other", _("Other")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff_profile",
    )
    name = models.CharField(_("name"), max_length=50)
    rest_home = models.ForeignKey(
        RestHome, verbose_name=_("rest home"), null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.LIAISON)
    phone = EncryptedTextField(_("phone"), blank=True)
    supervisor = models.ForeignKey(
        "self",
        verbose_name=_("supervisor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="subordinates",
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StaffQualification(models.Model):
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="qualifications")
    name = models.CharField(_("qualification"), max_length=100)
    number = models.CharField(_("certificate number"), max_length=60, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)

    class Meta:
        verbose_name = _("qualification")
        verbose_name_plural = _("qualifications")

    def __str__(self) -> str:
        return self.name


class StaffTraining(models.Model):
    class Kind(models.TextChoices):
        PROFESSIONAL = "professional", _("Professional training")
        SECURITY = "security", _("Security and secrecy education")
        PARTY_SECRETARY = "party_secretary", _("Party-secretary training")

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="trainings")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PROFESSIONAL)
    topic = models.CharField(_("topic"), max_length=200)
    date = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1, default=0)

    class Meta:
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.topic}"


class Cadre(models.Model):
    """A retired military cadre (军休干部) served by the centre."""

    class Gender(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    class Level(models.TextChoices):
        DIVISION = "division", _("Division level")
        REGIMENT = "regiment", _("Regiment level and below")
        NCO = "nco", _("Retired NCO")

    class Kind(models.TextChoices):
        LIXIU = "lixiu", _("Retired (lixiu)")
        TUIXIU = "tuixiu", _("Retired (tuixiu)")

    class State(models.TextChoices):
        ACTIVE = "active", _("Served")
        ABROAD = "abroad", _("Living abroad")
        TRANSFERRED = "transferred", _("Transferred out")
        DECEASED = "deceased", _("Deceased")

    class BenefitStatus(models.TextChoices):
        NONE = "none", _("Not applied")
        APPLIED = "applied", _("Applied")
        APPROVED = "approved", _("Approved")
        STOPPED = "stopped", _("Stopped")

    class PartyRelation(models.TextChoices):
        NONE = "", _("Not a party member")
        HERE = "here", _("Organisational relationship in the centre")
        LETTER = "letter", _("Temporary membership by letter")
        ELSEWHERE = "elsewhere", _("Relationship held elsewhere")

    # identity
    name = models.CharField(_("name"), max_length=50)
    name_pinyin = models.CharField(_("pinyin"), max_length=200, blank=True, editable=False)
    name_initials = models.CharField(_("initials"), max_length=50, blank=True, editable=False)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("birth date"))
    id_number = EncryptedTextField(_("resident ID number"))
    id_hash = models.CharField(max_length=64, unique=True, editable=False)
    phone = EncryptedTextField(_("phone"), blank=True)
    mobile = EncryptedTextField(_("mobile phone"), blank=True)
    mobile_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)  # registry.phones
    address = EncryptedTextField(_("address"), blank=True)
    photo = models.ImageField(_("photo"), upload_to="cadre-photos/", blank=True)
    # service
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    branch = models.CharField(_("service branch"), max_length=50, blank=True)
    rank = models.CharField(_("rank"), max_length=50, blank=True)
    transfer_in_date = models.DateField(_("transfer-in date"), null=True, blank=True)
    # organisation
    rest_home = models.ForeignKey(
        RestHome, verbose_name=_("rest home"), null=True, blank=True, on_delete=models.PROTECT, related_name="cadres"
    )
    liaison = models.ForeignKey(
        Staff, verbose_name=_("liaison"), null=True, blank=True, on_delete=models.SET_NULL, related_name="cadres"
    )
    # household and living situation
    lives_alone = models.BooleanField(_("lives alone"), default=False)
    childless = models.BooleanField(_("childless elderly"), default=False)
    bedridden = models.BooleanField(_("bedridden"), default=False)
    disabled = models.BooleanField(_("disabled (loss of ability)"), default=False)
    dementia = models.BooleanField(_("dementia"), default=False)
    in_care_home = models.BooleanField(_("in a care home"), default=False)
    care_home_name = models.CharField(_("care home"), max_length=100, blank=True)
    # care
    service_needs = models.TextField(_("service needs"), blank=True)
    nursing_fee_status = models.CharField(
        _("nursing fee"), max_length=10, choices=BenefitStatus.choices, default=BenefitStatus.NONE
    )
    medical_subsidy_status = models.CharField(
        _("medical subsidy"), max_length=10, choices=BenefitStatus.choices, default=BenefitStatus.NONE
    )
    # party and secrecy
    party_member = models.BooleanField(_("party member"), default=False)
    party_branch = models.CharField(_("party branch"), max_length=100, blank=True)
    party_relation = models.CharField(
        _("party relationship"), max_length=10, choices=PartyRelation.choices, blank=True, default=""
    )
    declassification_until = models.DateField(_("de-classification period ends"), null=True, blank=True)
    # lifecycle
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.ACTIVE)
    received_on = models.DateField(_("received on"), null=True, blank=True)
    deceased_on = models.DateField(_("date of death"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("cadre")
        verbose_name_plural = _("cadres")
        ordering = ["name_pinyin", "pk"]
        permissions = [
            ("view_identity_data", _("Can view identity data unmasked (ID number, full birth date)")),
            ("view_contact_data", _("Can view contact data unmasked (phones and addresses)")),
            ("view_health_data", _("Can view health data unmasked (health-check findings, health conditions)")),
            ("view_all_cadres", _("Can view the cadres of every rest home")),
            ("export_cadres", _("Can export cadres")),
            ("import_cadres", _("Can import cadres")),
        ]
        indexes = [
            models.Index(fields=["name_initials"]),
            models.Index(fields=["state", "rest_home"]),
            models.Index(fields=["name_pinyin", "id"], name="registry_cadre_order_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def age_on(self, day: dt.date) -> int:
        return day.year - self.birth_date.year - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))

    @property
    def is_very_old(self) -> bool:
        """高龄: 80 or older today (computed, never stored)."""
        from django.utils import timezone

        return self.age_on(timezone.localdate()) >= 80

    @property
    def in_declassification_period(self) -> bool:
        from django.utils import timezone

        return bool(self.declassification_until and self.declassification_until >= timezone.localdate())


class FamilyMember(models.Model):
    cadre = models.ForeignKey(Cadre, on_delete=models.CASCADE, related_name="family")
    name = models.CharField(_("name"), max_length=50)
    relation = models.CharField(_("relation"), max_length=20)
    phone = EncryptedTextField(_("phone"), blank=True)
    address = EncryptedTextField(_("address"), blank=True)
    is_emergency_contact = models.BooleanField(_("emergency contact"), default=False)
    lives_with_cadre = models.BooleanField(_("lives with the cadre"), default=False)

    class Meta:
        verbose_name = _("family member")
        verbose_name_plural = _("family members")
        ordering = ["-is_emergency_contact", "pk"]

    def __str__(self) -> str:
        return f"{self.name}（{self.relation}）"


class TripAbroad(models.Model):
    cadre = models.ForeignKey(Cadre, on_delete=models.CASCADE, related_name="trips")
    destination = models.CharField(_("destination"), max_length=100)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    departs_on = models.DateField(_("departure"))
    returns_on = models.DateField(_("planned return"), null=True, blank=True)
    returned_on = models.DateField(_("actual return"), null=True, blank=True)
    passport_handed_in_on = models.DateField(_("passport handed in on"), null=True, blank=True)
    passport_returned_on = models.DateField(_("passport returned on"), null=True, blank=True)

    class Meta:
        verbose_name = _("trip abroad")
        verbose_name_plural = _("trips abroad")
        ordering = ["-departs_on"]

    def __str__(self) -> str:
        return f"{self.destination} {self.departs_on:%Y-%m-%d}"


class HealthCheck(models.Model):
    class Result(models.TextChoices):
        NORMAL = "normal", _("Normal")
        ABNORMAL = "abnormal", _("Abnormal")

    cadre = models.ForeignKey(Cadre, on_delete=models.CASCADE, related_name="health_checks")
    year = models.PositiveSmallIntegerField(_("year"))
    date = models.DateField(_("date"))
    institution = models.CharField(_("institution"), max_length=100, blank=True)
    result = models.CharField(_("result"), max_length=10, choices=Result.choices, default=Result.NORMAL)
    findings = EncryptedTextField(_("abnormal findings"), blank=True)
    follow_up_done = models.BooleanField(_("follow-up done"), default=False)
    follow_up_on = models.DateField(_("follow-up date"), null=True, blank=True)

    class Meta:
        verbose_name = _("health check")
        verbose_name_plural = _("health checks")
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.year} {self.get_result_display()}"


class ArchiveDocument(models.Model):
    cadre = models.ForeignKey(Cadre, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=50, blank=True)
    file = models.FileField(_("file"), upload_to="archive/")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("archive document")
        verbose_name_plural = _("archive documents")
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.title


class Honour(models.Model):
    cadre = models.ForeignKey(Cadre, on_delete=models.CASCADE, related_name="honours")
    title = models.CharField(_("honour"), max_length=200)
    awarded_by = models.CharField(_("awarded by"), max_length=100, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)

    class Meta:
        verbose_name = _("honour")
        verbose_name_plural = _("honours")

    def __str__(self) -> str:
        return self.title


class Skill(models.Model):
    class Category(models.TextChoices):
        LECTURE = "lecture", _("Lecture team")
        CLINIC = "clinic", _("Clinic")
        VOLUNTEER = "volunteer", _("Volunteer team")
        OTHER = "other", _("Other")

    cadre = models.ForeignKey(Cadre, on_delete=models.CASCADE, related_name="skills")
    skill = models.CharField(_("skill"), max_length=100)
    category = models.CharField(_("category"), max_length=10, choices=Category.choices, default=Category.OTHER)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")

    def __str__(self) -> str:
        return self.skill


class FacilityRoom(models.Model):
    """A room of the centre; the Table 1 types are checked against the cadre-count band."""

    class RoomType(models.TextChoices):
        CALLIGRAPHY = "calligraphy", _("Calligraphy and painting room")
        CHESS = "chess", _("Chess and cards room")
        GYM = "gym", _("Gym")
        COMPUTER = "computer", _("Computer room")
        ARCHIVE = "archive", _("Archive room")
        HONOUR = "honour", _("Honour room")
        MEETING = "meeting", _("Meeting room")
        READING = "reading", _("Reading room")
        OTHER = "other", _("Other")

    rest_home = models.ForeignKey(
        RestHome, verbose_name=_("rest home"), null=True, blank=True, on_delete=models.CASCADE, related_name="rooms"
    )
    room_type = models.CharField(_("room type"), max_length=12, choices=RoomType.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)
    floor_area = models.DecimalField(_("floor area (m²)"), max_digits=8, decimal_places=2)

    class Meta:
        verbose_name = _("facility room")
        verbose_name_plural = _("facility rooms")

    def __str__(self) -> str:
        return self.name or str(self.get_room_type_display())


class Vehicle(models.Model):
    rest_home = models.ForeignKey(
        RestHome,
        verbose_name=_("rest home"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="vehicles",
    )
    plate = models.CharField(_("plate number"), max_length=20, unique=True)
    model = models.CharField(_("model"), max_length=100, blank=True)
    seats = models.PositiveSmallIntegerField(_("seats"), default=5)
    accessible = models.BooleanField(_("wheelchair accessible"), default=False)

    class Meta:
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")

    def __str__(self) -> str:
        return self.plate


class AccessLog(models.Model):
    """Who saw or exported personal data unmasked: when, which records, which fields — never the values."""

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed unmasked")
        EXPORT = "export", _("Exported")
        IMPORT = "import", _("Imported")
        SEARCH = "search", _("Searched by ID number")

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(_("username"), max_length=150)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    channel = models.CharField(_("channel"), max_length=20)  # admin, api, export, command
    model = models.CharField(_("record type"), max_length=50)
    record_ids = models.JSONField(_("records"), default=list)
    record_count = models.PositiveIntegerField(_("number of records"), default=0)
    fields = models.JSONField(_("fields"), default=list)

    class Meta:
        verbose_name = _("personal-data access")
        verbose_name_plural = _("personal-data access log")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.username} {self.get_action_display()} {self.model}×{self.record_count}"


class CadreTombstone(models.Model):
    """What stays in the source centre after a cadre is transferred: who, when, and where to."""

    id_hash = models.CharField(max_length=64, db_index=True, editable=False)
    name = models.CharField(_("name"), max_length=50)
    transferred_on = models.DateField(_("transferred on"))
    destination_centre = models.CharField(_("destination centre"), max_length=63)
    destination_name = models.CharField(_("destination centre name"), max_length=100)

    class Meta:
        verbose_name = _("transferred cadre")
        verbose_name_plural = _("transferred cadres")
        ordering = ["-transferred_on"]

    def __str__(self) -> str:
        return f"{self.name} → {self.destination_name}"


class HistoryEvent(pghistory.models.Event):
    """The base of the registry's change history: a 64-bit event id. A centre's history only grows, and on Citus the
    triggers that write it run on the worker, whose sequences hand out ids from a per-node range above 2^48 that an
    int column cannot hold ("reached maximum value of sequence")."""

    pgh_id = models.BigAutoField(primary_key=True)

    class Meta:
        abstract = True
        verbose_name = "event"  # pghistory names the reverse accessors after it: cadre.events, as before


def _history_track(model: type[models.Model]) -> None:
    pghistory.track(
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(),
        pghistory.DeleteEvent(),
        model_name=f"{model.__name__}Event",
        base_model=HistoryEvent,
    )(model)


# Every change to a cadre and its records is kept: who (pghistory context), when, old → new.
for _model in (Cadre, FamilyMember, TripAbroad, HealthCheck, ArchiveDocument, Honour, Skill, Staff, RestHome):
    _history_track(_model)


# --- Lifecycle (5.2 reception, 5.10 death, 6.6 transfer between districts) ---


class CadreReception(models.Model):
    """The reception of a newly received cadre (5.2): the welcome ceremony's items and the first steps of service."""

    cadre = models.OneToOneField(Cadre, verbose_name=_("cadre"), on_delete=models.CASCADE, related_name="reception")
    received_on = models.DateField(_("received on"))
    ceremony_on = models.DateField(_("welcome ceremony held on"), null=True, blank=True)
    # 5.2.2 a)–e)
    welcome_sign = models.BooleanField(_("welcome words displayed prominently"), default=False)
    welcome_video_gifts = models.BooleanField(
        _("song MV and centre film shown, centre introduced, commemorative gifts given"), default=False
    )
    head_briefing = models.BooleanField(
        _("head of the centre briefed on treatment, services, discipline and requirements"), default=False
    )
    premises_tour = models.BooleanField(_("tour of the offices and activity venues"), default=False)
    welcome_activities = models.BooleanField(_("performance, forum or other welcome activity"), default=False)
    # first steps of service
    archive_received = models.BooleanField(_("archive materials received"), default=False)
    health_record_created = models.BooleanField(_("health record created"), default=False)
    services_explained = models.BooleanField(_("service items explained"), default=False)
    first_visit_on = models.DateField(_("first home visit on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_by_name = models.CharField(_("recorded by"), max_length=150, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    CEREMONY_ITEMS = ("welcome_sign", "welcome_video_gifts", "head_briefing", "premises_tour", "welcome_activities")

    class Meta:
        verbose_name = _("reception")
        verbose_name_plural = _("receptions")

    def __str__(self) -> str:
        return f"{self.cadre} {self.received_on:%Y-%m-%d}"


class CadreDeath(models.Model):
    """After a cadre's death (5.10): condolences, help with the funeral, survivors' benefits, archive and report."""

    cadre = models.OneToOneField(Cadre, verbose_name=_("cadre"), on_delete=models.CASCADE, related_name="death")
    died_on = models.DateField(_("date of death"))
    # 5.10.2
    condolence_visit_on = models.DateField(_("condolence visit to the family on"), null=True, blank=True)
    policy_explained = models.BooleanField(_("survivors' policy, standards and procedure explained"), default=False)
    # 5.10.3 a)–c)
    obituary_written = models.BooleanField(_("life story written, obituary issued"), default=False)
    memorial_attended = models.BooleanField(_("memorial attended, wreath sent"), default=False)
    flag_covering = models.BooleanField(_("party or army flag covering arranged"), default=False)
    # 5.10.4 and 5.3.2
    pension_stopped_on = models.DateField(_("pension stopped from"), null=True, blank=True)
    archive_filed = models.BooleanField(_("documents filed in the archive"), default=False)
    reported = models.BooleanField(_("reported to the authority"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_by_name = models.CharField(_("recorded by"), max_length=150, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("death record")
        verbose_name_plural = _("death records")

    def __str__(self) -> str:
        return f"{self.cadre} {self.died_on:%Y-%m-%d}"


class DeathBenefit(models.Model):
    """A survivors' benefit after a death (5.10.4, 5.3.2): its status and amount."""

    class Kind(models.TextChoices):
        FUNERAL = "funeral", _("Funeral allowance")
        LIVING = "living", _("Living allowance for dependants")
        LUMP_SUM = "lump_sum", _("One-off pension")
        SPECIAL = "special", _("Special pension")
        SIX_MONTHS = "six_months", _("Six months' pay after death")

    class Status(models.TextChoices):
        PENDING = "pending", _("To apply")
        APPLIED = "applied", _("Applied")
        PAID = "paid", _("Paid")
        NOT_ELIGIBLE = "not_eligible", _("Not eligible")

    death = models.ForeignKey(CadreDeath, on_delete=models.CASCADE, related_name="benefits")
    kind = models.CharField(_("benefit"), max_length=12, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)

    class Meta:
        verbose_name = _("survivors' benefit")
        verbose_name_plural = _("survivors' benefits")
        constraints = [models.UniqueConstraint(fields=["death", "kind"], name="registry_deathbenefit_one_per_kind")]

    def __str__(self) -> str:
        return str(self.get_kind_display())


class CadreTransfer(models.Model):
    """A transfer of a cadre to another district's centre (6.6): requested, approved, then executed in one step."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved")
        COMPLETED = "completed", _("Completed")

    cadre = models.ForeignKey(
        Cadre, verbose_name=_("cadre"), null=True, blank=True, on_delete=models.SET_NULL, related_name="transfers"
    )
    cadre_name = models.CharField(_("name"), max_length=50)
    target_centre = models.CharField(_("target centre"), max_length=63)
    target_name = models.CharField(_("target centre name"), max_length=100)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.REQUESTED)
    reason = models.TextField(_("reason"), blank=True)
    requested_on = models.DateField(_("requested on"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approval_reference = models.CharField(_("approval document number"), max_length=100, blank=True)
    handover_deadline = models.DateField(_("hand over by"), null=True, blank=True)
    target_pays_from = models.DateField(_("target centre pays from"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("completed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    tombstone = models.OneToOneField(
        CadreTombstone, verbose_name=_("tombstone"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-requested_on", "-pk"]
        permissions = [("approve_cadretransfer", _("Can approve and execute transfers to another centre"))]
        constraints = [
            models.UniqueConstraint(
                fields=["cadre"],
                condition=models.Q(state__in=["requested", "approved"]),
                name="registry_cadretransfer_one_open_per_cadre",
            )
        ]

    def __str__(self) -> str:
        return f"{self.cadre_name} → {self.target_name}"


for _model in (CadreReception, CadreDeath, DeathBenefit):
    _history_track(_model)


class RosterColumnMapping(models.Model):
    """How a centre's roster with these headers maps its unrecognised columns to fields, remembered from the last
    import that mapped them (the import page's mapping step)."""

    headers_hash = models.CharField(_("headers hash"), max_length=64, unique=True)
    headers = models.JSONField(_("headers"), default=list)
    mapping = models.JSONField(_("mapping"), default=dict)  # normalised header -> field name, "" to ignore
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("roster column mapping")
        verbose_name_plural = _("roster column mappings")

    def __str__(self) -> str:
        return "、".join(self.headers)
