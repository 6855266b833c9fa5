"""Accounts, roles in a commune or province, and the residents and households they serve."""

from typing import ClassVar, Self

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from langso.core.models.geography import Commune, Department, Province, Village
from langso.core.text import fold, person_sort_key


class Role(models.TextChoices):
    CHAIRMAN = "chairman", _("Chủ tịch UBND")
    VICE_CHAIRMAN = "vice_chairman", _("Phó Chủ tịch UBND")
    ONE_STOP_OFFICER = "one_stop_officer", _("Cán bộ một cửa")
    SPECIALIST = "specialist", _("Công chức chuyên môn")
    CLERK = "clerk", _("Văn thư")
    VILLAGE_HEAD = "village_head", _("Trưởng thôn")
    DIGITAL_TEAM = "digital_team", _("Tổ công nghệ số cộng đồng")
    COMMUNE_ADMIN = "commune_admin", _("Quản trị hệ thống xã")
    PROVINCE_ADMIN = "province_admin", _("Quản trị cấp tỉnh")


class User(AbstractUser):
    """A login. Staff get their powers from memberships; citizens and businesses have none."""

    class Kind(models.TextChoices):
        STAFF = "staff", _("Cán bộ")
        CITIZEN = "citizen", _("Công dân")
        BUSINESS = "business", _("Tổ chức, doanh nghiệp")

    kind = models.CharField(_("loại tài khoản"), max_length=10, choices=Kind.choices,
                            default=Kind.CITIZEN)
    full_name = models.CharField(_("họ và tên"), max_length=150, blank=True)
    phone = models.CharField(_("số điện thoại"), max_length=15, null=True, blank=True,
                             unique=True)
    phone_verified_at = models.DateTimeField(null=True, blank=True)
    email_verified_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[UserManager[Self]] = UserManager()
    # History names accounts by number only (account events must not copy names).
    personal_data = True

    class Meta:
        verbose_name = _("tài khoản")
        verbose_name_plural = _("tài khoản")
        constraints = [
            models.UniqueConstraint(fields=["email"], condition=~Q(email=""),
                                    name="user_unique_email"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def is_public(self) -> bool:
        return self.kind != self.Kind.STAFF


class Membership(models.Model):
    """A role held by a staff account in one commune (or, for province staff, a province)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices)
    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="memberships")
    province = models.ForeignKey(Province, on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="memberships")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, null=True, blank=True)
    village = models.ForeignKey(Village, on_delete=models.PROTECT, null=True, blank=True,
                                help_text=_("Với trưởng thôn: thôn mình phụ trách."))
    is_active = models.BooleanField(_("còn hiệu lực"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("vai trò")
        verbose_name_plural = _("vai trò")
        constraints = [
            # Province staff are attached to a province, everybody else to a commune.
            models.CheckConstraint(
                condition=(Q(role=Role.PROVINCE_ADMIN, province__isnull=False,
                             commune__isnull=True)
                           | (~Q(role=Role.PROVINCE_ADMIN) & Q(commune__isnull=False,
                                                               province__isnull=True))),
                name="membership_scope_matches_role",
            ),
            models.CheckConstraint(
                condition=Q(role=Role.SPECIALIST) | Q(department__isnull=True),
                name="membership_department_only_for_specialist",
            ),
            models.CheckConstraint(
                condition=Q(role__in=[Role.VILLAGE_HEAD, Role.DIGITAL_TEAM])
                | Q(village__isnull=True),
                name="membership_village_only_for_village_roles",
            ),
            # One active grant per (user, role, commune[, department | village]); written as
            # partial constraints because SQLite has no NULLS NOT DISTINCT.
            models.UniqueConstraint(
                fields=["user", "role", "commune"],
                condition=Q(is_active=True, department__isnull=True, village__isnull=True),
                name="membership_unique_active",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "commune", "department"],
                condition=Q(is_active=True, department__isnull=False),
                name="membership_unique_active_department",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "commune", "village"],
                condition=Q(is_active=True, village__isnull=False),
                name="membership_unique_active_village",
            ),
        ]

    def __str__(self) -> str:
        where = self.commune or self.province
        return f"{self.user} – {self.get_role_display()} – {where}"


class Sex(models.TextChoices):
    MALE = "male", _("Nam")
    FEMALE = "female", _("Nữ")


class PersonQuerySet(models.QuerySet["Person"]):
    def search(self, text: str) -> "PersonQuerySet":
        """Match every word of ``text`` with or without diacritics, or a citizen-ID/phone."""
        query = self
        text = (text or "").strip()
        if text.isdigit():
            return self.filter(Q(citizen_id__startswith=text) | Q(phone__startswith=text))
        # Each word of the query must begin a word of the name: "an" finds "An", "Anh",
        # not "Văn"; "nguyen van a" finds "Nguyễn Văn A" but not "Nguyễn Văn B".
        for word in fold(text).split()[:6]:
            query = query.filter(Q(name_key__startswith=word) | Q(name_key__contains=f" {word}"))
        return query


class Person(models.Model):
    """A resident known to the commune; every module reads people from here."""

    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="people")
    full_name = models.CharField(_("họ và tên"), max_length=150)
    name_key = models.CharField(max_length=150, editable=False, db_index=True)
    sort_key = models.CharField(max_length=255, editable=False, db_index=True)
    date_of_birth = models.DateField(_("ngày sinh"), null=True, blank=True)
    sex = models.CharField(_("giới tính"), max_length=6, choices=Sex.choices, blank=True)
    citizen_id = models.CharField(_("số định danh cá nhân"), max_length=12, null=True,
                                  blank=True)
    phone = models.CharField(_("số điện thoại"), max_length=15, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    village = models.ForeignKey(Village, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="people")
    address = models.CharField(_("địa chỉ"), max_length=255, blank=True)
    user = models.OneToOneField(User, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="person")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    tenant_field = "commune"
    village_field = "village"
    personal_data = True

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["sort_key"]
        verbose_name = _("công dân")
        verbose_name_plural = _("công dân")
        constraints = [
            models.UniqueConstraint(fields=["commune", "citizen_id"],
                                    name="person_unique_citizen_id"),
            models.CheckConstraint(
                condition=Q(citizen_id__isnull=True) | Q(citizen_id__regex=r"^[0-9]{12}$"),
                name="person_citizen_id_12_digits",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def refresh_keys(self) -> None:
        self.name_key = fold(self.full_name)
        self.sort_key = person_sort_key(self.full_name)


class Household(models.Model):
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="households")
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="households")
    address = models.CharField(_("địa chỉ"), max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    tenant_field = "commune"
    village_field = "village"
    personal_data = True

    class Meta:
        ordering = ["village", "address"]
        verbose_name = _("hộ gia đình")
        verbose_name_plural = _("hộ gia đình")

    def __str__(self) -> str:
        head = next((m.person for m in self.members.all() if m.relation == Relation.HEAD), None)
        return str(_("Hộ ông/bà %(name)s") % {"name": head}) if head else self.address


class Relation(models.TextChoices):
    HEAD = "head", _("Chủ hộ")
    SPOUSE = "spouse", _("Vợ/chồng")
    CHILD = "child", _("Con")
    PARENT = "parent", _("Cha/mẹ")
    GRANDCHILD = "grandchild", _("Cháu")
    SIBLING = "sibling", _("Anh/chị/em")
    OTHER = "other", _("Khác")


class HouseholdMember(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="membership")
    relation = models.CharField(_("quan hệ với chủ hộ"), max_length=12, choices=Relation.choices)

    class Meta:
        verbose_name = _("thành viên hộ")
        verbose_name_plural = _("thành viên hộ")
        constraints = [
            models.UniqueConstraint(fields=["household"], condition=Q(relation="head"),
                                    name="household_one_head"),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_relation_display()})"
