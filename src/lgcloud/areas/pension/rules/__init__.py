"""Pure rules of 国民年金 第1号被保険者."""
