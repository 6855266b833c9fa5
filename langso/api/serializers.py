"""Serializers of the core API; names are globally unique (Input/Output suffixes)."""

from rest_framework import serializers

from langso.core.models import Commune, HistoryEvent, Person, Province, Village


class ProvinceOutput(serializers.ModelSerializer):
    class Meta:
        model = Province
        fields = ["code", "name", "division_type"]


class CommuneOutput(serializers.ModelSerializer):
    province = ProvinceOutput()

    class Meta:
        model = Commune
        fields = ["id", "code", "name", "slug", "division_type", "province", "address", "phone"]


class VillageOutput(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display")

    class Meta:
        model = Village
        fields = ["id", "commune", "name", "kind", "kind_display"]


class VillageInput(serializers.Serializer):
    commune = serializers.IntegerField()
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=Village.Kind.choices, default=Village.Kind.THON)


class PersonOutput(serializers.ModelSerializer):
    class Meta:
        model = Person
        fields = ["id", "commune", "full_name", "date_of_birth", "sex", "citizen_id", "phone",
                  "email", "village", "address"]


class PersonInput(serializers.Serializer):
    commune = serializers.IntegerField()
    full_name = serializers.CharField(max_length=150)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    sex = serializers.CharField(required=False, allow_blank=True, max_length=6)
    citizen_id = serializers.CharField(required=False, allow_blank=True, max_length=20)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=20)
    email = serializers.EmailField(required=False, allow_blank=True)
    village = serializers.IntegerField(required=False, allow_null=True)
    address = serializers.CharField(required=False, allow_blank=True, max_length=255)


class PersonUpdateInput(PersonInput):
    commune = None  # type: ignore[assignment]
    full_name = serializers.CharField(max_length=150, required=False)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


class HistoryEventOutput(serializers.ModelSerializer):
    object_type = serializers.CharField(source="content_type.model")

    class Meta:
        model = HistoryEvent
        fields = ["seq", "commune", "at", "actor_label", "object_type", "object_id",
                  "object_repr", "action", "from_state", "to_state", "reason"]
