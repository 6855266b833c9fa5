"""The 2025 two-level administrative map: provinces, communes (the tenant) and villages."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from langso.core.text import fold, sort_key


class Province(models.Model):
    code = models.PositiveIntegerField(_("mã"), unique=True)
    name = models.CharField(_("tên"), max_length=100)
    codename = models.SlugField(max_length=100, unique=True)
    division_type = models.CharField(_("loại"), max_length=40)

    class Meta:
        ordering = ["code"]
        verbose_name = _("tỉnh/thành phố")
        verbose_name_plural = _("tỉnh/thành phố")

    def __str__(self) -> str:
        return self.name


class CommuneQuerySet(models.QuerySet["Commune"]):
    def active(self) -> "CommuneQuerySet":
        return self.filter(is_active=True)


class Commune(models.Model):
    """A xã / phường / đặc khu: the tenant every domain record belongs to."""

    code = models.PositiveIntegerField(_("mã"), unique=True)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="communes")
    name = models.CharField(_("tên"), max_length=100)
    codename = models.SlugField(max_length=100)
    # Public URLs use this slug, e.g. /xa/tam-dao-8911/
    slug = models.SlugField(max_length=120, unique=True)
    division_type = models.CharField(_("loại"), max_length=40)
    is_active = models.BooleanField(_("đang hoạt động"), default=False)
    address = models.CharField(_("địa chỉ trụ sở"), max_length=255, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=20, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    introduction = models.TextField(_("giới thiệu"), blank=True)

    objects = CommuneQuerySet.as_manager()

    class Meta:
        ordering = ["province__code", "code"]
        verbose_name = _("xã/phường")
        verbose_name_plural = _("xã/phường")
        indexes = [models.Index(fields=["is_active"], name="commune_active_idx")]

    def __str__(self) -> str:
        return f"{self.name}, {self.province.name}"

    @property
    def commune_id(self) -> int:
        """A commune is its own tenant; lets the access layer treat it like any record."""
        return self.pk


class Village(models.Model):
    class Kind(models.TextChoices):
        THON = "thon", _("Thôn")
        BAN = "ban", _("Bản")
        TO_DAN_PHO = "to_dan_pho", _("Tổ dân phố")
        KHU_PHO = "khu_pho", _("Khu phố")
        AP = "ap", _("Ấp")

    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="villages")
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices, default=Kind.THON)
    name = models.CharField(_("tên"), max_length=100)
    name_key = models.CharField(max_length=100, editable=False, db_index=True)
    sort_key = models.CharField(max_length=255, editable=False)

    tenant_field = "commune"
    village_field = "pk"

    class Meta:
        ordering = ["sort_key"]
        verbose_name = _("thôn/tổ dân phố")
        verbose_name_plural = _("thôn/tổ dân phố")
        constraints = [
            models.UniqueConstraint(fields=["commune", "name_key"], name="village_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}"

    def refresh_keys(self) -> None:
        self.name_key = fold(self.name)
        self.sort_key = sort_key(self.name)


class Department(models.Model):
    """A specialist office of the commune (phòng/bộ phận chuyên môn)."""

    class Kind(models.TextChoices):
        JUSTICE = "tu_phap_ho_tich", _("Tư pháp – Hộ tịch")
        LAND = "dia_chinh", _("Địa chính – Xây dựng – Môi trường")
        CULTURE_SOCIAL = "van_hoa_xa_hoi", _("Văn hóa – Xã hội")
        ECONOMY = "kinh_te", _("Kinh tế")
        OFFICE = "van_phong", _("Văn phòng HĐND và UBND")
        PUBLIC_SERVICE = "trung_tam_phuc_vu_hcc", _("Trung tâm Phục vụ hành chính công")
        POLICE = "cong_an", _("Công an xã")
        MILITARY = "quan_su", _("Ban Chỉ huy quân sự")

    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="departments")
    kind = models.CharField(_("lĩnh vực"), max_length=40, choices=Kind.choices)
    name = models.CharField(_("tên"), max_length=150)

    tenant_field = "commune"

    class Meta:
        ordering = ["commune", "kind"]
        verbose_name = _("bộ phận chuyên môn")
        verbose_name_plural = _("bộ phận chuyên môn")
        constraints = [
            models.UniqueConstraint(fields=["commune", "kind"], name="department_unique_kind"),
        ]

    def __str__(self) -> str:
        return self.name
