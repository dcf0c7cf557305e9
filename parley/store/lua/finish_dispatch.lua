-- Record a pending send's final status; optionally compare-and-set the state too.
-- KEYS: state, send, sends.
-- ARGV: status code, finished field, today, keep_days, send_id, expected_version ('' = no state), state
-- Returns {recorded 0|1, state_written 0|1, version}.
local recorded = 0
local status = redis.call('HGET', KEYS[2], 'status')
if status == 'scheduled' or status == 'dispatching' then
  redis.call('HDEL', KEYS[3], ARGV[5])
  close_send(KEYS[2], KEYS[3], ARGV[2], ARGV[1], ARGV[3], ARGV[4])
  recorded = 1
end
local version = state_version(redis.call('GET', KEYS[1]))
if ARGV[6] == '' or version ~= tonumber(ARGV[6]) then return {recorded, 0, version} end
write_state(KEYS[1], version + 1, ARGV[7])
return {recorded, 1, version + 1}
