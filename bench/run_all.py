"""Run every benchmark, then rewrite the README's results tables from bench/results/*.json.

    python bench/run_all.py                     # everything (about three and a half hours on 2 CPU cores; digits_quality and generalisation are most of it)
    python bench/run_all.py --only features latency
    python bench/run_all.py --skip digits_quality digits_generative
    python bench/run_all.py --table             # only rewrite the tables from the JSON files as they are

Each benchmark runs in its own process, as its docstring's first command shows, and writes its JSON (with the
commit, versions, machine and seeds). With a CUDA GPU, the speed benchmarks also run on it. The tables live in
nbs/index.ipynb between the markers below, and README.md is made from it (.ci/make_readme.py), so the README's
numbers are the JSON's, rounded; tests/test_readme.py checks that they still are.
"""
import argparse, json, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT/'bench'/'results'
INDEX = ROOT/'nbs'/'index.ipynb'
START, END = '<!-- bench results: made by bench/run_all.py from bench/results/*.json -->', '<!-- end of bench results -->'

# name -> (script and arguments, the JSON files it writes)
BENCHES = {'probes': (['probes.py', '--n', '1000'], ['probes']),
           'probes_between_notes': (['probes.py', '--n', '1000', '--holdout', 'between_notes'], ['probes_between_notes']),
           'features': (['features.py'], ['features']),
           'train_speed': (['train_speed.py'], ['train_cpu']),
           'latency': (['latency.py'], ['latency_cpu']),
           'synth_quality': (['synth_quality.py'], ['synth_quality']),
           **{f'decoder_{d}': (['synth_quality.py', '--direction', 'audio2img', '--decoder', d, '--out', f'synth_quality_a2i_{d}'],
                               [f'synth_quality_a2i_{d}']) for d in ('cnn', 'gru', 'transformer')},
           'pretrained_load': (['pretrained_load.py'], ['pretrained_load']),
           'digits_quality': (['digits_quality.py'], ['digits_quality']),
           'digits_generative': (['digits_generative.py'], ['digits_generative']),
           'generalisation': (['generalisation.py'], ['generalisation']),
           'vocoder': (['vocoder.py'], ['vocoder'])}
GPU_BENCHES = {'train_speed_gpu': (['train_speed.py', '--device', 'cuda'], ['train_gpu']),
               'latency_gpu': (['latency.py', '--device', 'cuda'], ['latency_gpu'])}

def load(name):
    p = RESULTS/f'{name}.json'
    return json.loads(p.read_text()) if p.is_file() else None

def pct(x): return f'{100*x:.1f}%'
def cmd(r): return f"`python bench/{Path(r['command'].split()[0]).name}{' ' + ' '.join(r['command'].split()[1:]) if len(r['command'].split()) > 1 else ''}`"
def src(r): return f"{cmd(r)} (commit {r['commit'][:7]}{'+dirty' if r['commit'].endswith('+dirty') else ''}, {r['date'][:10]})"

def parts_src(r):
    "Where each part of a result built up by several runs comes from (their `provenance`), or the whole's `src`."
    by = {}  # each run, and what it measured
    for part, split, row, p in _provenances(r): by.setdefault(src(p), []).append(f'{part} {split}{row}'.replace('_', ' ').strip())
    if not by: return src(r)
    older = [part for part in ('synthetic', 'digits') if part in r and 'provenance' not in r[part]]
    return ('; '.join([f"{' and '.join(what)}: {run}" for run, what in by.items()]
                      + [f'the rest of {part}: an earlier run, whose command was not recorded' for part in older]) + '.')

def _provenances(r):
    for part in ('synthetic', 'digits'):
        if not (x := r.get(part)): continue
        if 'provenance' in x: yield part, '', '', x['provenance']
        for split, v in x.items():
            for d, m in (v.items() if isinstance(v, dict) else []):
                for row, rv in (m.items() if isinstance(m, dict) else []):
                    if isinstance(rv, dict) and 'provenance' in rv: yield part, split, f' {d} ({row})', rv['provenance']

DIRECTION_NAMES = {'audio2img': 'audio → image', 'img2audio': 'image → audio'}
SYNTH_KEYS = {'audio2img': [('hue_within_15deg', 'hue within 15°'), ('shape_acc', 'shape'), ('stripes_exact', 'stripes exact')],
              'img2audio': [('pitch_within_50c', 'pitch within 50 cents'), ('timbre_acc', 'timbre'), ('tempo_within_10pct', 'tempo within 10%')]}
METHOD_NAMES = {'learned': '**learned** (default config)', 'retrieval': 'retrieval (nearest training pair)', 'chroma_picture': 'chroma picture',
                'spectrogram_picture': 'spectrogram as picture', 'world_picture': "the world's rules on what the probes hear", 'world_sound': "the world's rules run backwards", 'spectrogram_sound': 'picture played as a spectrogram'}

def synth_table(r):
    lines = [f"**Synthetic world**: share of {r['n_eval']} held-out items that the probes read right, learned translators against their baselines "
             f"(bars for the learned ones: {', '.join(f'{k} {pct(v)}' for d in r['bars'].values() for k, v in d.items())}). {src(r)}", '']
    for d, keys in SYNTH_KEYS.items():
        if d not in r['results']: continue
        lines += [f"| {DIRECTION_NAMES[d]} | {' | '.join(n for _, n in keys)} |", '|---|' + '---|'*len(keys)]
        for m, s in r['results'][d].items():
            lines.append(f"| {METHOD_NAMES.get(m, m)} | {' | '.join(pct(s[k]) for k, _ in keys)} |")
        lines.append('')
    return lines

def digits_table(r):
    a, f, i = r.get('audio2img_takes'), r.get('audio2img_flow_takes'), r.get('img2audio_takes')
    lines = [f"**Spoken × written digits**: semantic accuracy, the share of outputs a digit judge (its own accuracy in brackets) reads as the "
             f"source's digit, on {a['n'] if a else i['n']} test recordings of known voices (new takes). {src(r)}", '',
             '| direction | system | semantic accuracy |', '|---|---|---|']
    if a:
        lines.append(f"| audio → image | **learned**, deterministic ({a['encoder']} encoder) | {pct(a['semantic']['accuracy'])} (judge {pct(a['semantic']['judge_accuracy'])}) |")
        if f: lines.append(f"| audio → image | **learned**, flow head ({f['flow_steps']} steps) | {pct(f['semantic']['accuracy'])} |")
        lines.append(f"| audio → image | retrieval (nearest training pair) | {pct(a['retrieval']['semantic']['accuracy'])} |")
    if (s := r.get('audio2img_speakers')):
        lines.append(f"| audio → image | **learned**, each voice held out in turn (mean of {len(s['per_speaker'])}) | {pct(s['mean_semantic_accuracy'])} |")
    if i:
        lines.append(f"| image → audio | **learned**, one voice ({i.get('voice', 'all')}) | {pct(i['semantic']['accuracy'])} (judge {pct(i['semantic']['judge_accuracy'])}) |")
        lines.append(f"| image → audio | retrieval (nearest training pair) | {pct(i['retrieval']['semantic']['accuracy'])} |")
    if (v := r.get('img2audio_voices')):
        lines.append(f"| image → audio | **learned**, each voice in turn (mean of {len(v['per_voice'])}) | {pct(v['mean_semantic_accuracy'])} |")
    return lines + ['']

GEN_KEYS = {('compositional', 'audio2image'): ('hue_within_15deg', 'shape_acc', 'stripes_exact', 'all_right'),
            ('compositional', 'image2audio'): ('pitch_within_50c', 'timbre_acc', 'tempo_within_10pct', 'all_right'),
            ('between_notes', 'audio2image'): ('hue_within_10deg',), ('between_notes', 'image2audio'): ('pitch_within_25c',)}

MEASURES = {'hue_within_15deg': 'hue within 15°', 'hue_within_10deg': 'hue within 10°', 'shape_acc': 'shape', 'stripes_exact': 'stripes exact',
            'all_right': 'all three right', 'pitch_within_50c': 'pitch within 50 cents', 'pitch_within_25c': 'pitch within 25 cents',
            'timbre_acc': 'timbre', 'tempo_within_10pct': 'tempo within 10%'}

def generalisation_table(r):
    "Learned against retrieval where copying fails: the synthetic world's two splits, and voices never heard."
    lines = ["**Generalisation**: where no test item has a twin in training (notebook 06f), the learned translators against "
             f"retrieval, the nearest training pair in the translator's own encoder. {parts_src(r)}", '',
             '| split | direction | measure | learned | retrieval | bar |', '|---|---|---|---|---|---|']
    syn = r.get('synthetic', {})
    for (split, d), keys in GEN_KEYS.items():
        if not (m := syn.get(split, {}).get(d)): continue
        for k in keys:
            bar = m['bars'].get(k)
            lines.append(f"| {split.replace('_', ' ')} ({syn['n_eval']} items) | {d.replace('2', ' → ')} | {MEASURES[k]} | "
                         f"**{pct(m['learned'][k]['value'])}** | {pct(m['retrieval'][k]['value'])} | {f'{bar:.0%}' if bar else ''} |")
        for row, how in (('learned_harmonic', 'harmonic mel decoder'), ('learned_pitch', 'pitch-aware encoder')):
            if not (h := m.get(row)): continue  # the same direction again, with another backbone
            for k in keys:
                bar = m['bars'].get(k)
                lines.append(f"| {split.replace('_', ' ')} ({syn['n_eval']} items) | {d.replace('2', ' → ')}, {how} | "
                             f"{MEASURES[k]} | **{pct(h[k]['value'])}** | {pct(m['retrieval'][k]['value'])} | {f'{bar:.0%}' if bar else ''} |")
    sp = r.get('digits', {}).get('speakers', {})
    for d in ('audio2image', 'image2audio'):
        if not (m := sp.get(d)): continue
        bars = sp['bars'].get(d, {})
        for k, name in (('mean', 'mean of the voices'), ('min', 'worst voice')):
            lines.append(f"| voices never heard ({len(m['per_voice'])}, one at a time) | {d.replace('2', ' → ')} | semantic accuracy, {name} | "
                         f"**{pct(m['learned'][k])}** | {pct(m['retrieval'][k])} | {f'{bars[k]:.0%}' if k in bars else ''} |")
    for key, how in (('flow_audio2image', ''), ('flow_audio2image_frozen', ", the guide's encoder frozen")):
        if not (f := sp.get(key)): continue  # lower is better; the same recordings answered by both
        k = f['classwise_kid']
        lines.append(f"| voices never heard ({len(f['per_voice'])}, one at a time) | audio → image, flow head ({f['epochs']} epochs{how}) | "
                     f"class-wise KID (judge's features), mean of the voices, lower is better | "
                     f"**{k['learned']['mean']:.1f}** | {k['retrieval']['mean']:.1f} | |")
    return lines + ['']

VOCODER_MEASURES = (('mr_stft', 'multi-resolution STFT distance', False), ('spectral_convergence', 'spectral convergence', False),
                    ('coherence', 'spectral coherence', True), ('pesq_wb', 'PESQ-WB', True), ('stoi', 'STOI', True))

def vocoder_table(r):
    "The neural vocoder against Griffin-Lim: copy-synthesis on two sets, through the translators, speed."
    lines = ["**Vocoder**: spectrograms back to sound (notebook 04b): true log-mels of sounds no vocoder trained on, then "
             f"the translators' outputs, played by Griffin-Lim and by the neural vocoder. {src(r)}", '',
             '| test | measure | Griffin-Lim 32 | Griffin-Lim 256 | neural vocoder | bar |', '|---|---|---|---|---|---|']
    cs = r['copy_synthesis']
    sets = {'synthetic': f"copy-synthesis, {r['n_synth']} synthetic sounds", 'voice': f"copy-synthesis, {r['voice']} ({r['voice_clips']} recordings, a voice never heard)"}
    for s_, name in sets.items():
        for k, label, up in VOCODER_MEASURES:
            if k not in cs[s_]['neural']: continue
            v = {g: cs[s_][g][k]['mean'] for g in ('griffinlim32', 'griffinlim256', 'neural')}
            bar = {'pesq_wb': '≥ 3.0, and beat both', 'stoi': '≥ 0.85, and beat both'}.get(k, 'beat both')
            lines.append(f"| {name} | {label}{'' if up else ' (lower is better)'} | {v['griffinlim32']:.3f} | {v['griffinlim256']:.3f} | "
                         f"**{v['neural']:.3f}** | {bar} |")
    tr = r.get('through_translators') or {}
    if (syn := tr.get('synthetic')):
        for k in ('pitch_within_50c', 'timbre_acc', 'tempo_within_10pct', 'all_right'):
            v = {g: syn['by_system'][g][k]['value'] for g in ('griffinlim32', 'griffinlim256', 'neural') if k in syn['by_system'][g]}
            if len(v) < 3: continue
            lines.append(f"| synthetic image → audio ({syn['n']} pictures) | {MEASURES.get(k, k.replace('_', ' '))} | {pct(v['griffinlim32'])} | "
                         f"{pct(v['griffinlim256'])} | **{pct(v['neural'])}** | no worse than Griffin-Lim |")
    if (dg := tr.get('digits')):
        for k, label, bar in (('mean', 'mean of the five voices', '≥ 90%'), ('worst', 'worst voice', '≥ 80%')):
            lines.append(f"| digits image → audio, audio judge | {label} | {pct(dg['griffinlim32'][k])} | {pct(dg['griffinlim256'][k])} | "
                         f"**{pct(dg['neural'][k])}** | {bar} |")
    if (sp := r.get('speed_cpu')):
        for b, per in sp.items():
            v = {g: per[g]['seconds_per_audio_second']*1000 for g in ('griffinlim32', 'griffinlim256', 'neural')}
            lines.append(f"| CPU time per second of audio, {b.replace('_', ' ')} | ms | {v['griffinlim32']:.1f} | {v['griffinlim256']:.1f} | "
                         f"**{v['neural']:.1f}** | no slower than Griffin-Lim 32 |")
    return lines + ['']

def speed_table(feat, train, lat, train_gpu=None, lat_gpu=None):
    m = (lat or train or feat)['machine']
    cpu = m.get('cpu', m['processor']) + (f" ({m['cpu_capability']})" if m.get('cpu_capability') else '')
    lines = [f"**Speed** on {cpu} with {m['cpus']} cores ({m['torch_threads']} torch threads){', and ' + lat_gpu['machine']['gpu'] if lat_gpu else ''}; "
             'medians of repeats run side by side in one process.', '', '| measure | result | bar | reproduce |', '|---|---|---|---|']
    if feat:
        lines.append(f"| log-mel extraction, 2 s clips | {feat['clips_per_s_project']:.0f} clips/s against librosa's {feat['clips_per_s_librosa']:.0f}: "
                     f"**{feat['ratio']:.1f}×** | ≥ 5× | {src(feat)} |")
    if train:
        c = train['results']['cached']
        lines.append(f"| data loader's share of a training step (audio → image, cached log-mels) | **{pct(c['loader_share'])}** "
                     f"({c['samples_per_s']:.0f} samples/s; {pct(train['results']['not_cached']['loader_share'])} without the cache) | < 10% | {src(train)} |")
    if train and (q := train.get('quick_img2audio')):
        mine, cnn = (q['results'][f'quick_img2audio_{d}']['ms_per_step'] for d in (q['decoder'], 'cnn'))
        lines.append(f"| image → audio training step of `--quick` (batch {q['batch_size']}): its `{q['decoder']}` decoder against the full config's `cnn` | "
                     f"**{mine:.0f} ms** against {cnn:.0f} ms: **{mine/cnn:.2f}×** | | {src(train)} |")
    if lat:
        lines.append(f"| audio → image latency, batch 1 (2 s of sound to a picture) | **{lat['audio2img']['median_ms']:.1f} ms** | < 20 ms | {src(lat)} |")
        lines.append(f"| image → audio latency, batch 1, with {lat['img2audio']['griffin_lim_rounds']} rounds of Griffin-Lim (2 s of sound) | "
                     f"**{lat['img2audio']['median_ms']:.0f} ms** ({lat['img2audio']['per_second_of_audio_ms']:.0f} ms per second of audio) | < 300 ms | {src(lat)} |")
    if train_gpu:
        best = max(train_gpu['results'].items(), key=lambda kv: kv[1]['samples_per_s'])
        lines.append(f"| training on {train_gpu['machine'].get('gpu', 'GPU')} (audio → image) | {best[1]['samples_per_s']:.0f} samples/s ({best[0]}), "
                     f"{train_gpu['results']['fp32']['samples_per_s']:.0f} in fp32 | | {src(train_gpu)} |")
    if lat_gpu:
        lines.append(f"| latency on {lat_gpu['machine'].get('gpu', 'GPU')}: audio → image / image → audio (2 s) | {lat_gpu['audio2img']['median_ms']:.1f} ms / "
                     f"{lat_gpu['img2audio']['median_ms']:.0f} ms | | {src(lat_gpu)} |")
    return lines + ['']

def results_markdown() -> str:
    "The README's results, from the JSON files in bench/results/."
    parts = []
    if (r := load('synth_quality')): parts += synth_table(r)
    if (r := load('digits_quality')): parts += digits_table(r)
    if (r := load('generalisation')): parts += generalisation_table(r)
    if (r := load('vocoder')): parts += vocoder_table(r)
    parts += speed_table(load('features'), load('train_cpu'), load('latency_cpu'), load('train_gpu'), load('latency_gpu'))
    return '\n'.join([START, *parts, END])

def write_table():
    "Put `results_markdown()` between the markers of nbs/index.ipynb, then remake README.md from it."
    nb = json.loads(INDEX.read_text())
    cells = [c for c in nb['cells'] if c['cell_type'] == 'markdown' and START in ''.join(c['source'])]
    if len(cells) != 1: raise SystemExit(f'{INDEX}: expected one markdown cell holding the marker {START!r}, found {len(cells)}')
    text = ''.join(cells[0]['source'])
    new = text[:text.index(START)] + results_markdown() + text[text.index(END) + len(END):]
    lines = new.split('\n')
    cells[0]['source'] = [l + '\n' for l in lines[:-1]] + [lines[-1]]
    INDEX.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n')
    subprocess.run([sys.executable, str(ROOT/'.ci'/'make_readme.py')], check=True)

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--only', nargs='+', choices=[*BENCHES, *GPU_BENCHES], help='run these benchmarks only')
    ap.add_argument('--skip', nargs='+', default=[], choices=[*BENCHES, *GPU_BENCHES], help='leave these out')
    ap.add_argument('--table', action='store_true', help='run nothing: rewrite the tables from the JSON files')
    a = ap.parse_args()
    import torch
    todo = {} if a.table else dict(BENCHES, **(GPU_BENCHES if torch.cuda.is_available() else {}))
    todo = {k: v for k, v in todo.items() if (not a.only or k in a.only) and k not in a.skip}
    failed = []
    for name, (args, outs) in todo.items():
        print(f'== {name}: python bench/{" ".join(args)}', flush=True)
        t = time.time()
        rc = subprocess.run([sys.executable, *args], cwd=ROOT/'bench').returncode
        print(f'== {name}: exit {rc} after {time.time() - t:.0f} s', flush=True)
        if rc: failed.append(name)
    write_table()
    print(results_markdown())
    if failed: raise SystemExit(f'failed: {failed} (their tables keep the earlier results)')

if __name__ == '__main__': main()
