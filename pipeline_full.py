#!/usr/bin/env python
"""The whole story in one command: data -> train audio->image and image->audio -> evaluate -> one report.

    python pipeline_full.py --quick                       # the synthetic world, a few minutes on 2 CPU cores
    python pipeline_full.py --data_dir digits             # spoken x written digits ($SYNESTHESIA_DATA)
    python pipeline_full.py --data_dir my_pairs/train --val_dir my_pairs/val

Everything lands in --output_dir (default outputs/pipeline), with report.html on top. `python pipeline_full.py -h`
lists every flag; the code is synesthesia.pipeline (nbs/08_pipeline.ipynb), also installed as `synesthesia_pipeline`.
"""
import sys

from synesthesia.pipeline import main

if __name__ == '__main__': sys.exit(main())
