-- Take a scheduled send for dispatch and write the state that records the attempt, atomically:
-- the compliance check (done by the caller on this version) and the ledger write are one step.
-- KEYS: state, send. ARGV: expected_version, state.
-- Returns {outcome, version}; outcome: started | in_doubt | not_pending | conflict.
local raw = redis.call('GET', KEYS[1])
local version = state_version(raw)
local status = redis.call('HGET', KEYS[2], 'status')
if status == 'dispatching' then return {'in_doubt', version} end
if status ~= 'scheduled' then return {'not_pending', version} end
if version ~= tonumber(ARGV[1]) then return {'conflict', version} end
write_state(KEYS[1], version + 1, ARGV[2])
redis.call('HSET', KEYS[2], 'status', 'dispatching')
redis.call('HINCRBY', KEYS[2], 'attempts', 1)
return {'started', version + 1}
