print("b24")
