-- Commit one processed event on the debtor slot, if the state version still holds.
-- KEYS: state, evt marker, sends, send keys to schedule (n_schedule), send keys to cancel (n_cancel)
-- ARGV: expected_version, state, replay, evt_ttl_ms, today, keep_days, n_schedule, n_cancel,
--       cancelled code, then n_schedule x (send_id, finished field, partition, due_ms, payload),
--       then n_cancel x (send_id, finished field)
-- Returns {1, new_version, {cancelled send ids}} or {0, current_version, {}}.
local version = state_version(redis.call('GET', KEYS[1]))
if version ~= tonumber(ARGV[1]) then return {0, version, {}} end
version = version + 1
write_state(KEYS[1], version, ARGV[2])
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])

local today, keep_days = ARGV[5], ARGV[6]
local n_schedule = tonumber(ARGV[7])
local n_cancel = tonumber(ARGV[8])
local cancelled_code = ARGV[9]
local a = 10
for i = 1, n_schedule do
  local key = KEYS[3 + i]
  -- Deterministic send ids: a pending record, or a finished entry, means this send was already planned.
  if redis.call('EXISTS', key) == 0 and redis.call('HEXISTS', KEYS[3], ARGV[a + 1]) == 0 then
    redis.call('HSET', key, 'status', 'scheduled', 'partition', ARGV[a + 2], 'due_ms', ARGV[a + 3],
      'attempts', '0', 'payload', ARGV[a + 4])
    redis.call('HSET', KEYS[3], ARGV[a], ARGV[a + 3])
  end
  a = a + 5
end

local cancelled = {}
for i = 1, n_cancel do
  local key = KEYS[3 + n_schedule + i]
  if redis.call('HGET', key, 'status') == 'scheduled' then
    redis.call('HDEL', KEYS[3], ARGV[a])
    close_send(key, KEYS[3], ARGV[a + 1], cancelled_code, today, keep_days)
    cancelled[#cancelled + 1] = ARGV[a]
  end
  a = a + 2
end
return {1, version, cancelled}
