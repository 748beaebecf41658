"""One small hand-computed history, journaled through the engine's store (1000 BTC contracts: 1 USD per point).

Every sim session sells the 100000 call and the 90000 put and pays 2.5 USD per fill (10 USD a session);
premium collected is (100 + 80) x 1000 x 0.001 = 180 USD a session.

    session  IST trading day  closes (UTC)   call      put      gross   net   exit reason     peak %
    S1       Mon 6 Jan        06 Jan 09:50   100→40    80→30    110     100   max_profit      70
    S2       Tue 7 Jan        07 Jan 09:50   100→160   80→50    -30     -40   max_loss
    S3       Wed 8 Jan        08 Jan 09:50   100→130   80→70    -20     -30   max_loss
    S4       Thu 9 Jan        09 Jan 09:50   100→95    80→75     10       0   time_exit
    S5       Fri 10 Jan       10 Jan 06:00   100→140   80→80    -40     -50   max_loss
    S6       Fri 10 Jan       10 Jan 09:50   100→70    80→60     50      40   trailing_floor  30
    S7       Sat 11 Jan       11 Jan 19:30   100→90    80→70     20      10   time_exit        (23:00→01:00 IST)
    S8       Sun 12 Jan       11 Jan 23:30   100→105   80→80     -5     -15   time_exit        (04:00 IST = Sat UTC)
    L1 (live) Thu 9 Jan       09 Jan 09:50   100→50    80→40     90      90   max_profit       (no fees)

S1's call entry was decided at mid 101 and its exit at mid 39: 1 USD of slippage on each of those two fills.
"""

from __future__ import annotations

from decimal import Decimal

from delta_strangle.domain.instruments import OptionKind
from tests.analytics.builders import JournalWriter, LegPlan, strangle, utc

SIZE = 1000
FEE = "2.5"


async def play_history(journal: JournalWriter) -> dict[str, int]:
    """Journal the history above and return session ids by name."""
    ids: dict[str, int] = {}
    s1 = [
        LegPlan(OptionKind.CALL, 100000, "100", "40", FEE, FEE, entry_mid="101", exit_mid="39", size=SIZE),
        LegPlan(OptionKind.PUT, 90000, "80", "30", FEE, FEE, entry_mid="80", size=SIZE),
    ]
    ids["S1"] = await journal.session(
        s1, entered_at=utc(2025, 1, 6, 4), closed_at=utc(2025, 1, 6, 9, 50), exit_reason="max_profit",
        peak_net_pct="70",
    )  # fmt: skip
    plain = [
        ("S2", "160", "50", utc(2025, 1, 7, 4), utc(2025, 1, 7, 9, 50), "max_loss", None),
        ("S3", "130", "70", utc(2025, 1, 8, 4), utc(2025, 1, 8, 9, 50), "max_loss", None),
        ("S4", "95", "75", utc(2025, 1, 9, 4), utc(2025, 1, 9, 9, 50), "time_exit", None),
        ("S5", "140", "80", utc(2025, 1, 10, 4), utc(2025, 1, 10, 6), "max_loss", None),
        ("S6", "70", "60", utc(2025, 1, 10, 7), utc(2025, 1, 10, 9, 50), "trailing_floor", "30"),
        # 23:00 IST on Sat 11 Jan to 01:00 IST on Sun 12 Jan: it belongs to the day it was entered on.
        ("S7", "90", "70", utc(2025, 1, 11, 17, 30), utc(2025, 1, 11, 19, 30), "time_exit", None),
        # 04:00-05:00 IST on Sun 12 Jan, which is still Saturday in UTC.
        ("S8", "105", "80", utc(2025, 1, 11, 22, 30), utc(2025, 1, 11, 23, 30), "time_exit", None),
    ]
    for name, call_exit, put_exit, entered, closed, reason, peak in plain:
        ids[name] = await journal.session(
            strangle("100", call_exit, "80", put_exit, fee=FEE, size=SIZE),
            entered_at=entered, closed_at=closed, exit_reason=reason, peak_net_pct=peak,
        )  # fmt: skip
    ids["L1"] = await journal.session(
        strangle("100", "50", "80", "40", size=SIZE), entered_at=utc(2025, 1, 9, 4), closed_at=utc(2025, 1, 9, 9, 50),
        mode="live", exit_reason="max_profit", profile="alpha-live", profile_id=2,
    )  # fmt: skip
    return ids


SIM_NETS = [Decimal(n) for n in ("100", "-40", "-30", "0", "-50", "40", "10", "-15")]
