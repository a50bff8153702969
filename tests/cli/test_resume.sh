# test_resume.sh - long runs lose nothing: `shapc explain` journals each finished row, stops
# cleanly on SIGINT/SIGTERM (message, exit 130/143, journal kept, no result files), and
# `--resume` after an interrupt, a SIGKILL or a torn journal tail gives files byte-identical to
# an uninterrupted run - for array inputs and for text documents. A second run into a locked
# directory and a resume with other settings fail with one clear line.
source "$(dirname "$0")/lib.sh" "$@"

M=$FIX/model.bin
# A big.idx big enough that a run takes a few seconds (valgrind is ~50x slower, so fewer rows
# there).
if [ -n "${SHAPC_VALGRIND:-}" ]; then N=60; NS=400; else N=1000; NS=2000; fi
make_big_idx "$N"

ARGS=(explain "$M" big.idx --nsamples "$NS" --seed 5 --no-plots -q)

# start_bg DIR [ARGS...]: starts a run into DIR in the background (pid in $BG), and waits
# until at least 3 rows are journaled.
start_bg() {
    local dir=$1
    shift
    bg_until_rows "$dir" 3 "$SHAPC" "${ARGS[@]}" -o "$dir" "$@"
}

# wait_bg: waits for the background run in $BG; its exit status in $rc.
wait_bg() {
    rc=0
    wait "$BG" || rc=$?
}

# ---- reference: one uninterrupted run; nothing of the journal or lock is left ----
run_ok "$SHAPC" "${ARGS[@]}" -o ref
assert_results ref
[ ! -e ref/$JOURNAL ] || fail "a finished run left its journal"
[ ! -e ref/.shapc-lock ] || fail "a finished run left its lock file"

# ---- SIGINT midway: message, exit 130, journal kept, no result files ----
start_bg int
kill -INT "$BG"
wait_bg
[ "$rc" -eq 130 ] || fail "SIGINT: expected exit 130, got $rc ($(cat "$WORK/bg.err"))"
err=$(cat "$WORK/bg.err")
[ "$(wc -l <"$WORK/bg.err")" -eq 1 ] || fail "SIGINT: expected one stderr line, got: $err"
[[ $err =~ ^shapc:\ interrupted:\ ([0-9]+)\ of\ $N\ rows\ done.*--resume ]] ||
    fail "SIGINT: unexpected message: $err"
done_rows=${BASH_REMATCH[1]}
[ "$done_rows" -ge 3 ] && [ "$done_rows" -lt "$N" ] || fail "SIGINT: $done_rows rows done"
[ "$(rows_in int)" -eq "$done_rows" ] || fail "journal holds $(rows_in int) rows, said $done_rows"
[ "$(stat -c %s int/$JOURNAL)" -eq $((JOURNAL_HEADER + done_rows * JOURNAL_RECORD)) ] ||
    fail "journal size is not header + whole records"
for f in $RESULT_FILES; do
    [ ! -e "int/$f" ] || fail "interrupted run wrote int/$f"
done
[ ! -e int/.shapc-lock ] || fail "interrupted run left its lock file"

# without --resume the unfinished run is not overwritten
expect_fail 1 "$SHAPC" "${ARGS[@]}" -o int
assert_contains "$ERRLINE" "holds an unfinished run"
assert_contains "$ERRLINE" "--resume"
# --resume with another seed (or other rows) is refused and names the difference
expect_fail 1 "$SHAPC" "${ARGS[@]}" -o int --resume --seed 6
assert_contains "$ERRLINE" "--seed=5, now --seed=6"
expect_fail 1 "$SHAPC" "${ARGS[@]}" -o int --resume --rows 0:10
assert_contains "$ERRLINE" "--rows="
[ "$(rows_in int)" -eq "$done_rows" ] || fail "a refused resume changed the journal"

# --resume finishes it: identical files, journal gone
run_ok "$SHAPC" "${ARGS[@]}" -o int --resume
assert_results int
[ ! -e int/$JOURNAL ] || fail "resumed run left its journal"
same_results ref int

# ---- SIGTERM: exit 143 ----
start_bg term
kill -TERM "$BG"
wait_bg
[ "$rc" -eq 143 ] || fail "SIGTERM: expected exit 143, got $rc"
assert_contains "$(cat "$WORK/bg.err")" "interrupted:"

# ---- a second run into a directory in use fails cleanly and harms nothing ----
# The holder is stopped (SIGSTOP) while the second run arrives, so it still holds the lock
# however slow or fast the machine (valgrind, a loaded CI) and however many rows it journals
# at a time; then it continues and is interrupted.
start_bg lock
kill -STOP "$BG"
expect_fail 1 "$SHAPC" "${ARGS[@]}" -o lock
assert_contains "$ERRLINE" "in use by another shapc run"
kill -CONT "$BG"
kill -INT "$BG"
wait_bg
[ "$rc" -eq 130 ] || [ "$rc" -eq 0 ] || fail "locked run: exit $rc ($(cat "$WORK/bg.err"))"
run_ok "$SHAPC" "${ARGS[@]}" -o lock --resume
same_results ref lock
run_ok "$SHAPC" "${ARGS[@]}" -o term --resume
same_results ref term

# ---- SIGKILL midway, then a torn last record: --resume still gives identical files ----
start_bg kill
kill -KILL "$BG"
wait_bg
[ "$(rows_in kill)" -ge 3 ] || fail "SIGKILL: journal lost rows"
# Simulate a power loss mid-write: half a record of garbage at the end.
head -c $((JOURNAL_RECORD / 2)) /dev/zero | tr '\0' 'x' >>kill/$JOURNAL
run_ok "$SHAPC" "${ARGS[@]}" -o kill --resume
assert_contains "$(cat "$WORK/last.err")" "dropped $((JOURNAL_RECORD / 2)) bytes"
same_results ref kill

# a whole but corrupted last record (bit flip) is dropped too, and recomputed
start_bg flip
kill -KILL "$BG"
wait_bg
rows=$(rows_in flip)
truncate -s $((JOURNAL_HEADER + rows * JOURNAL_RECORD)) flip/$JOURNAL
printf '\xff' | dd of=flip/$JOURNAL bs=1 conv=notrunc status=none \
    seek=$((JOURNAL_HEADER + (rows - 1) * JOURNAL_RECORD + 100))
run_ok "$SHAPC" "${ARGS[@]}" -o flip --resume
assert_contains "$(cat "$WORK/last.err")" "dropped $JOURNAL_RECORD bytes"
same_results ref flip

# ---- --resume with nothing to resume is an ordinary run ----
run_ok "$SHAPC" "${ARGS[@]}" -o fresh --resume
same_results ref fresh

# ---- a damaged journal header is a clear error, not a crash ----
mkdir -p bad
printf 'not a journal' >bad/$JOURNAL
expect_fail 1 "$SHAPC" "${ARGS[@]}" -o bad --resume
assert_contains "$ERRLINE" "not a shapc journal"
# ---- text documents: a run killed with SIGKILL resumes to identical files ----
# Documents of 16 tokens (so each is sampled, not enumerated), one unknown word each so no two
# are alike; a document takes about a millisecond (30 under ASan), so the kill, within 10 ms of
# the third journaled one, lands long before the last. A journal record is then
# 56 + 4 (2 M K + K + k_all + K) + 8 K bytes: M = 16 players, K = 1 column (--class pos),
# k_all = 2 outputs.
if [ -n "${SHAPC_VALGRIND:-}" ]; then ND=30; else ND=200; fi
words=(good bad fun dull film and)
for i in $(seq 1 "$ND"); do
    line="w$i"
    for t in $(seq 1 15); do line="$line ${words[$(((i * 7 + t * t) % 6))]}"; done
    echo "$line"
done >docs.txt
JOURNAL_RECORD=$((56 + 4 * (2 * 16 + 1 + 2 + 1) + 8))
ARGS=(explain "$FIX/text.bin" docs.txt --class pos --seed 3 --no-plots -q)
run_ok "$SHAPC" "${ARGS[@]}" -o tref
for f in $TEXT_RESULT_FILES; do
    [ -s "tref/$f" ] || fail "text run: tref/$f missing"
done
start_bg tkill
kill -KILL "$BG"
wait_bg
kept=$(rows_in tkill)
[ "$kept" -ge 3 ] && [ "$kept" -lt "$ND" ] || fail "text SIGKILL: $kept of $ND documents journaled"
[ ! -e tkill/shap_values.npy ] || fail "a killed text run wrote results"
run_ok "$SHAPC" "${ARGS[@]}" -o tkill --resume
same_results tref tkill "$TEXT_RESULT_FILES"
[ ! -e tkill/$JOURNAL ] || fail "the resumed text run left its journal"
# another --text-mask is another run: refused, naming it
start_bg tmask
kill -KILL "$BG"
wait_bg
expect_fail 1 "$SHAPC" "${ARGS[@]}" -o tmask --resume --text-mask token
assert_contains "$ERRLINE" "--text-mask=remove, now --text-mask=token"
exit 0
