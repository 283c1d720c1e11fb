"""The preferences page's form: one switch per kind and channel."""

from django import forms

from notifications.kinds import Channel, Kind


def field_name(kind: str, channel: str) -> str:
    return f"{kind}__{channel}"


class PreferencesForm(forms.Form):
    """Every kind × channel pair as a checkbox; an unticked box is a switch turned off (a
    browser sends nothing for it), so the form always carries the whole table of the channels
    shown (`channels`: without browser push when the site has no VAPID key; those switches
    are left as they are)."""

    def __init__(self, *args, preferences: dict, channels=tuple(Channel), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.channels = list(channels)
        for kind in Kind:
            for channel in self.channels:
                self.fields[field_name(kind, channel)] = forms.BooleanField(
                    label=f"{kind.label}: {channel.label}",
                    required=False,
                    initial=preferences[kind.value][channel.value],
                )

    def rows(self) -> list[dict]:
        """The table the template draws: a row per kind, a bound field per channel."""
        return [
            {
                "kind": kind,
                "cells": [(channel, self[field_name(kind, channel)]) for channel in self.channels],
            }
            for kind in Kind
        ]

    def changes(self) -> dict:
        return {
            kind.value: {
                channel.value: self.cleaned_data[field_name(kind, channel)]
                for channel in self.channels
            }
            for kind in Kind
        }
