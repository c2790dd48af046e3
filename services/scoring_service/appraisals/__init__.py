"""The appraisal's orchestration, split by what it does: gathering a period's inputs (inputs.py), closing a
period and sealing its appraisals (closing.py), replaying one sealed appraisal (replay.py), reading what was
sealed (sealed.py) and the live figures (live.py). Each runs the one appraisal function of domain/."""
