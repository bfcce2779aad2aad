"""Demo citizens' promises (``medborgarloften.yaml``): invented, in the spirit of Luleå's 2018 promises
(a traffic check every day, the pedestrian tunnels checked four times a year, trainings).

Its own generator, ``np.random.default_rng([seed, K_PROMISES])``, so the other demo files stay
byte-identical. Numbers done are drawn around each target; the status follows from them (a promise of
the report year's last year that fell short is ``pågår``; one not started says why in its comment).
"""

from __future__ import annotations

import numpy as np
import yaml

__all__ = ["K_PROMISES", "promises_yaml"]

#: the demo part's key in the seed sequence (``default_rng([seed, K_PROMISES])``)
K_PROMISES = 12

# (year, party, promise, activity, target, unit, share done low–high, comment when short)
_PROMISES = (
    (2024, "polisen", "Vi gör trafikkontroller varje dag", "Hastighets- och nykterhetskontroller i hela kommunen",
     365, "kontroller", (0.95, 1.05), ""),
    (2024, "kommunen", "Vi går igenom gångtunnlarna fyra gånger om året",
     "Kontroll av belysning, klotter och skräp i kommunens gångtunnlar", 4, "genomgångar", (1.0, 1.0), ""),
    (2024, "polisen och kommunen", "Vi ordnar trygghetsvandringar tillsammans med er som bor i området",
     "Trygghetsvandringar med boende, fastighetsägare, kommunen och polisen", 6, "vandringar", (0.8, 1.0),
     "Två vandringar flyttades till våren 2025."),
    (2025, "polisen", "Vi gör trafikkontroller varje dag", "Hastighets- och nykterhetskontroller i hela kommunen",
     365, "kontroller", (0.9, 1.05), "Färre kontroller under semesterperioden."),
    (2025, "kommunen", "Vi går igenom gångtunnlarna fyra gånger om året",
     "Kontroll av belysning, klotter och skräp i kommunens gångtunnlar", 4, "genomgångar", (1.0, 1.0), ""),
    (2025, "polisen och kommunen", "Vi ordnar trygghetsvandringar tillsammans med er som bor i området",
     "Trygghetsvandringar med boende, fastighetsägare, kommunen och polisen", 8, "vandringar", (0.85, 1.1), ""),
    (2025, "polisen", "Vi syns mer i centrum på helgkvällarna", "Fotpatrull i centrum fredag och lördag kväll",
     80, "kvällar", (0.8, 1.0), "Patrullen behövdes på andra platser några helger i juli."),
    (2025, "polisen och kommunen", "Vi håller minst två utbildningar för föräldrar om droger och unga",
     "Föräldrautbildning om droger, alkohol och tecken att vara uppmärksam på", 2, "utbildningar", (1.0, 1.0), ""),
    (2025, "kommunen", "Vi sätter upp bättre belysning på gång- och cykelvägar där många känner sig otrygga",
     "Nya belysningspunkter längs gång- och cykelvägar", 10, "belysningspunkter", (0.0, 0.0),
     "Upphandlingen blev klar först i december; arbetet görs våren 2026."),
)


def promises_yaml(seed: int) -> str:
    """``medborgarloften.yaml`` for the demo (the same seed gives the same text)."""
    rng = np.random.default_rng([int(seed), K_PROMISES])
    items = []
    for year, party, promise, activity, target, unit, (low, high), comment in _PROMISES:
        done = int(round(target * rng.uniform(low, high))) if high > 0 else 0
        if done >= target:
            status, comment = "genomfört", ""
        else:
            status = "ej påbörjat" if done == 0 else "pågår"
        item = {"år": year, "löfte": promise, "part": party, "aktivitet": activity, "mål": f"{target} {unit}",
                "utfört": done, "status": status}
        if comment:
            item["kommentar"] = comment
        items.append(item)
    header = ("# Medborgarlöften: vad polisen och kommunen lovar dem som bor i Luleå, och hur långt vi har kommit.\n"
              "# Syntetiska demodata (se docs/demo.md).\n")
    return header + yaml.safe_dump({"medborgarloften": items}, allow_unicode=True, sort_keys=False, width=120)
