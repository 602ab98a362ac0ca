def remaining(balance, taken):
    return balance - taken
