// Level and action names travel in tokens (`acr`, `action.name`), 401 hints and route config, so
// they are short and plain: 1 to 64 letters, digits, "_", ".", ":" or "-".

/** The pattern as a JSON schema takes it. */
export const NAME_PATTERN = '^[\\w.:-]{1,64}$'

export const NAME = new RegExp(NAME_PATTERN)
